import Foundation
import Hipcall
import HipcallJSON

/// The calls both upserters make once they know no usable id: look the record up by external id,
/// then create it, or update it with only the fields that differ (no call at all when nothing
/// differs). A create that loses the race to another worker (422 `has already been taken`) goes back
/// to the lookup. Phones and emails are reconciled through their sub-resources. Every id it finds or
/// creates goes to `ids`; each result carries the record's fingerprint as the write left it.
struct RecordWriter: Sendable {
    let caller: HipcallCaller
    let ids: any IDStore
    /// How often a lost create race goes back to the lookup before giving up as transient.
    let maxRaceRetries = 3

    /// Lookup; create when absent; diff and PATCH only what changed. Without `lookupFirst` (a finished
    /// scan did not see the record) it creates at once; a create the record already exists for still
    /// goes back to the lookup.
    func lookupThenWrite(
        _ event: SyncEvent, resource: HipcallResource, companyID: Int64?, lookupFirst: Bool = true
    ) async throws(SyncFailure) -> UpsertResult {
        for attempt in 0...maxRaceRetries {
            if lookupFirst || attempt > 0, let existing = try await lookup(resource, event.externalID) {
                return try await update(existing, to: event, resource: resource, companyID: companyID)
            }
            let body = try UpsertPlan.createBody(event: event, resolvedCompanyID: companyID)
            // A lost race (another worker created it between our lookup and POST) answers nil:
            // look it up again and PATCH.
            let created = try await caller.perform("POST /\(resource.rawValue)", acceptAsNil: \.isExternalIDTaken) { client in
                try await client.create(resource, fields: body)
            }
            if let created {
                ids.set(event.key, created.id)
                return UpsertResult(
                    action: .created, hipcallID: created.id, learnedID: true,
                    fingerprint: Self.fingerprint(of: created, after: event, companyID: companyID))
            }
        }
        throw SyncFailure.transient(
            reason: "external_id \(event.externalID) kept being taken and vanishing; gave up after \(maxRaceRetries) lookups",
            status: 422)
    }

    /// A re-key: find the record by its previous key (or by the new one, if an earlier attempt
    /// already moved it) and PATCH it, `external_id` included; create it when neither exists.
    func rekey(
        _ event: SyncEvent, from previous: String, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult {
        let previousKey = SyncKey(resource: event.resource, externalID: previous)
        let existing: HipcallRecord?
        if let old = try await lookup(resource, previous) {
            existing = old
        } else {
            existing = try await lookup(resource, event.externalID)
        }
        ids.remove(previousKey)
        guard let existing else { return try await lookupThenWrite(event, resource: resource, companyID: companyID) }
        return try await update(existing, to: event, resource: resource, companyID: companyID)
    }

    /// The Hipcall id of the company `key` names, looked up by its external id; nil when it does not exist.
    func lookupCompany(_ key: SyncKey) async throws(SyncFailure) -> Int64? {
        guard let company = try await lookup(.companies, key.externalID) else { return nil }
        ids.set(key, company.id)
        return company.id
    }

    /// The failure of a contact whose company does not exist (yet).
    static func companyMissing(_ key: SyncKey) -> SyncFailure {
        .transient(reason: "company \(key.externalID) does not exist in Hipcall yet", status: 404)
    }

    /// Removes, then adds, phones and emails through their sub-resources. Adding one that is
    /// already there, or removing one that is gone, counts as done (another worker got there first).
    func reconcileLists(_ plan: UpsertPlan, id: Int64, resource: HipcallResource) async throws(SyncFailure) {
        let route = "/\(resource.rawValue)/:id"
        for number in plan.phoneNumbersToRemove {
            _ = try await caller.perform("DELETE \(route)/phones/:number", acceptAsNil: \.isNotFound) { client in
                try await client.removePhone(resource, id: id, number: number)
            }
        }
        for email in plan.emailsToRemove {
            _ = try await caller.perform("DELETE \(route)/emails/:email", acceptAsNil: \.isNotFound) { client in
                try await client.removeEmail(resource, id: id, email: email)
            }
        }
        for phone in plan.phonesToAdd.compactMap(HipcallPhone.init(json:)) {
            _ = try await caller.perform("POST \(route)/phones", acceptAsNil: Self.isAlreadyPresent) { client in
                try await client.addPhone(resource, id: id, phone: phone)
            }
        }
        for email in plan.emailsToAdd.compactMap(HipcallEmail.init(json:)) {
            _ = try await caller.perform("POST \(route)/emails", acceptAsNil: Self.isAlreadyPresent) { client in
                try await client.addEmail(resource, id: id, email: email)
            }
        }
    }

    /// Reads record `id`; nil when it no longer exists.
    func read(_ resource: HipcallResource, id: Int64) async throws(SyncFailure) -> HipcallRecord? {
        try await caller.perform("GET /\(resource.rawValue)/:id", acceptAsNil: \.isNotFound) { client in
            try await client.record(resource, id: id)
        }
    }

    /// Updates a record just read (looked up, or read by id) with only the fields that differ.
    func update(
        _ existing: HipcallRecord, to event: SyncEvent, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult {
        ids.set(event.key, existing.id)
        let plan = UpsertPlan.update(event: event, existing: existing.fields, resolvedCompanyID: companyID)
        // The record was read whole, and every managed field now equals it or was written.
        let fingerprint = Self.fingerprint(of: existing, after: event, companyID: companyID)
        guard !plan.isUnchanged else {
            return UpsertResult(
                action: .unchanged, hipcallID: existing.id, learnedID: event.hipcallID != existing.id, fingerprint: fingerprint)
        }
        if !plan.patch.isEmpty {
            let patch = plan.patch
            _ = try await caller.perform("PATCH /\(resource.rawValue)/:id") { client in
                try await client.update(resource, id: existing.id, fields: patch)
            }
        }
        try await reconcileLists(plan, id: existing.id, resource: resource)
        return UpsertResult(
            action: .updated, hipcallID: existing.id, learnedID: event.hipcallID != existing.id, fingerprint: fingerprint)
    }

    /// The fingerprint of `record` (as Hipcall answered a read or write) with the fields `written`
    /// (default: every managed field of `event`) as written since; observed now.
    static func fingerprint(
        of record: HipcallRecord, after event: SyncEvent, companyID: Int64?, written: [String: JSONValue]? = nil
    ) -> RecordFingerprint {
        let now = Date()
        let fields = written ?? UpsertPlan.managedFields(event: event, resolvedCompanyID: companyID)
        return RecordFingerprint(record: record, resource: event.resource, observedAt: now)
            .overlaid(with: RecordFingerprint(fields: fields, resource: event.resource, observedAt: now))
    }

    private func lookup(_ resource: HipcallResource, _ externalID: String) async throws(SyncFailure) -> HipcallRecord? {
        let found = try await caller.perform("GET /\(resource.rawValue)/by-external-id/:external_id", { client in
            try await client.record(resource, externalID: externalID)
        })
        return found ?? nil
    }

    /// A 422 saying the phone or email is already on the record.
    private static func isAlreadyPresent(_ error: HipcallError) -> Bool {
        error.status == 422 && error.fieldErrors.values.joined().contains { $0.contains("already") }
    }
}

extension HipcallResource {
    init(_ resource: SyncResource) {
        switch resource {
        case .companies: self = .companies
        case .contacts: self = .contacts
        }
    }
}
