import Hipcall

/// Applies one event to Hipcall with as few calls as the state allows: a known id is PATCHed
/// directly; otherwise the record is looked up by external id and created, or updated with only
/// the fields that differ (no call at all when nothing differs). A create that loses the race to
/// another worker (422 `has already been taken`) goes back to the lookup. Phones and emails are
/// reconciled through their sub-resources. Call it with the record's keys locked.
public struct Upserter: Sendable {
    let caller: HipcallCaller
    let ids: IDCache
    /// Whether known ids (from the event or the cache) are used; off for the guide's baseline loop.
    let useKnownIDs: Bool
    /// How often a lost create race goes back to the lookup before giving up as transient.
    let maxRaceRetries = 3
    /// How long a contact waits for the journal to bring the id of a company that does not exist yet.
    let companyWait: Duration = .seconds(2)

    init(caller: HipcallCaller, ids: IDCache, useKnownIDs: Bool) {
        self.caller = caller
        self.ids = ids
        self.useKnownIDs = useKnownIDs
    }

    /// Applies `event`; throws a classified failure.
    public func apply(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult {
        let resource = HipcallResource(event.resource)
        let companyID = try await resolveCompany(of: event)
        if let previous = event.previousExternalID {
            return try await rekey(event, from: previous, resource: resource, companyID: companyID)
        }
        if useKnownIDs, let id = event.hipcallID ?? ids.get(event.key) {
            if let result = try await patchKnown(event, id: id, resource: resource, companyID: companyID) {
                return result
            }
            ids.remove(event.key)
        }
        return try await lookupThenWrite(event, resource: resource, companyID: companyID)
    }

    /// PATCHes a record by its known id with every managed scalar field, then reconciles lists
    /// against the record the PATCH returned. `nil` when the id no longer exists.
    private func patchKnown(
        _ event: SyncEvent, id: Int64, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult? {
        let fields = UpsertPlan.scalarFields(event: event, resolvedCompanyID: companyID)
        guard
            let record = try await caller.perform("PATCH /\(resource.rawValue)/:id", acceptAsNil: \.isNotFound, { client in
                try await client.update(resource, id: id, fields: fields)
            })
        else { return nil }
        let lists = UpsertPlan.update(event: event, existing: record.fields, resolvedCompanyID: companyID)
        try await reconcileLists(lists, id: id, resource: resource)
        ids.set(event.key, id)
        return UpsertResult(action: .updated, hipcallID: id, learnedID: false)
    }

    /// The guide's loop, improved: lookup; create when absent; diff and PATCH only what changed.
    private func lookupThenWrite(
        _ event: SyncEvent, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult {
        for _ in 0...maxRaceRetries {
            if let existing = try await lookup(resource, event.externalID) {
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
                return UpsertResult(action: .created, hipcallID: created.id, learnedID: true)
            }
        }
        throw SyncFailure.transient(
            reason: "external_id \(event.externalID) kept being taken and vanishing; gave up after \(maxRaceRetries) lookups",
            status: 422)
    }

    /// Updates a looked-up record with only the fields that differ.
    private func update(
        _ existing: HipcallRecord, to event: SyncEvent, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult {
        ids.set(event.key, existing.id)
        let plan = UpsertPlan.update(event: event, existing: existing.fields, resolvedCompanyID: companyID)
        guard !plan.isUnchanged else {
            return UpsertResult(action: .unchanged, hipcallID: existing.id, learnedID: event.hipcallID != existing.id)
        }
        if !plan.patch.isEmpty {
            let patch = plan.patch
            _ = try await caller.perform("PATCH /\(resource.rawValue)/:id") { client in
                try await client.update(resource, id: existing.id, fields: patch)
            }
        }
        try await reconcileLists(plan, id: existing.id, resource: resource)
        return UpsertResult(action: .updated, hipcallID: existing.id, learnedID: event.hipcallID != existing.id)
    }

    /// A re-key: find the record by its previous key (or by the new one, if an earlier attempt
    /// already moved it) and PATCH it, `external_id` included; create it when neither exists.
    private func rekey(
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

    private func lookup(_ resource: HipcallResource, _ externalID: String) async throws(SyncFailure) -> HipcallRecord? {
        let found = try await caller.perform("GET /\(resource.rawValue)/by-external-id/:external_id", { client in
            try await client.record(resource, externalID: externalID)
        })
        return found ?? nil
    }

    /// Resolves a contact's `company_external_id` to Hipcall's company id (cache, then lookup).
    /// A company that does not exist yet may be being created by another worker: its id is awaited
    /// from the journal for ``companyWait`` (no API call), then it is a transient failure.
    private func resolveCompany(of event: SyncEvent) async throws(SyncFailure) -> Int64? {
        guard event.resource == .contacts, let key = event.companyKey else { return nil }
        let companyExternalID = key.externalID
        if useKnownIDs, let id = ids.get(key) { return id }
        guard let company = try await lookup(.companies, companyExternalID) else {
            if useKnownIDs, let id = await awaitJournal(key) { return id }
            throw SyncFailure.transient(reason: "company \(companyExternalID) does not exist in Hipcall yet", status: 404)
        }
        ids.set(key, company.id)
        return company.id
    }

    /// Polls the id cache (fed by the journal) for `key` until ``companyWait`` has passed.
    private func awaitJournal(_ key: SyncKey) async -> Int64? {
        let deadline = ContinuousClock.now + companyWait
        while ContinuousClock.now < deadline {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return nil }
            if let id = ids.get(key) { return id }
        }
        return nil
    }

    /// Removes, then adds, phones and emails through their sub-resources. Adding one that is
    /// already there, or removing one that is gone, counts as done (another worker got there first).
    private func reconcileLists(_ plan: UpsertPlan, id: Int64, resource: HipcallResource) async throws(SyncFailure) {
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
