import Foundation
import Hipcall
import HipcallJSON

/// The engine's upserter: applies one event with as few calls as the state allows. A known id (from
/// the event or the id cache, which the journal feeds) is written directly: with the record's
/// fingerprint, only what differs from it is sent (nothing at all when nothing does); without one,
/// every managed scalar field is PATCHed. Otherwise the ``RecordWriter`` looks the record up (or,
/// when a finished scan did not see it, creates it at once) and creates or updates it. A contact's
/// company comes from the cache, a lookup, or (while another worker is creating it) the journal.
///
/// The cache keeps each successful apply's fingerprint; a failed apply, which may have written part
/// of the event, forgets the record's fingerprint, so that none claims a state Hipcall may not hold.
struct Upserter: EventUpserting {
    let writer: RecordWriter
    let ids: IDCache
    /// Which resources the fleet has scanned: a key absent from a finished scan needs no lookup.
    let ledger: ScanLedger
    /// How long a contact waits for the journal to bring the id of a company that does not exist yet.
    let companyWait: Duration

    init(caller: HipcallCaller, ids: IDCache, ledger: ScanLedger = ScanLedger(), companyWait: Duration = .seconds(2)) {
        writer = RecordWriter(caller: caller, ids: ids)
        self.ids = ids
        self.ledger = ledger
        self.companyWait = companyWait
    }

    func apply(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult {
        let result: UpsertResult
        do {
            result = try await write(event)
        } catch {
            ids.forgetFingerprint(event.key)
            throw error
        }
        ids.set(event.key, result.hipcallID, fingerprint: result.fingerprint)
        return result
    }

    func knownID(of key: SyncKey) -> Int64? {
        ids.get(key)
    }

    private func write(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult {
        let resource = HipcallResource(event.resource)
        let companyID = try await resolveCompany(of: event)
        if let previous = event.previousExternalID {
            return try await writer.rekey(event, from: previous, resource: resource, companyID: companyID)
        }
        let known = ids.known(event.key)
        if let id = event.hipcallID ?? known?.id {
            // A repair's record was changed where no fingerprint sees it: every managed field is written.
            let fingerprint = known?.id == id && !event.isRepair ? known?.fingerprint : nil
            if let result = try await writeKnown(event, id: id, fingerprint: fingerprint, resource: resource, companyID: companyID) {
                return result
            }
            ids.remove(event.key)
        }
        return try await writer.lookupThenWrite(
            event, resource: resource, companyID: companyID, lookupFirst: !ledger.isFinished(event.resource))
    }

    /// Writes a record by its known id: only what differs from its fingerprint (no call when nothing
    /// does; lists that differ are diffed against the record, read by id unless a PATCH answered it),
    /// or, without a fingerprint, every managed scalar field. `nil` when the id no longer exists.
    private func writeKnown(
        _ event: SyncEvent, id: Int64, fingerprint: RecordFingerprint?, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult? {
        let patch: [String: JSONValue]
        if let fingerprint {
            let plan = FingerprintPlan(event: event, fingerprint: fingerprint, resolvedCompanyID: companyID)
            if plan.isUnchanged {
                return UpsertResult(action: .unchanged, hipcallID: id, learnedID: false, fingerprint: fingerprint)
            }
            if plan.patch.isEmpty {
                guard let record = try await writer.read(resource, id: id) else { return nil }
                var result = try await writer.update(record, to: event, resource: resource, companyID: companyID)
                result.learnedID = false
                return result
            }
            patch = plan.patch
        } else {
            patch = UpsertPlan.scalarFields(event: event, resolvedCompanyID: companyID)
        }
        guard
            let record = try await writer.caller.perform("PATCH /\(resource.rawValue)/:id", acceptAsNil: \.isNotFound, { client in
                try await client.update(resource, id: id, fields: patch)
            })
        else { return nil }
        var lists = UpsertPlan.update(event: event, existing: record.fields, resolvedCompanyID: companyID)
        lists.patch = [:]
        try await writer.reconcileLists(lists, id: id, resource: resource)
        // The PATCH answered the whole record; the fields it sent and the lists reconciled since are as the event says.
        var written = patch
        for list in FieldForms.List.allCases {
            if let desired = event.data[list.field] { written[list.field] = desired }
        }
        return UpsertResult(
            action: .updated, hipcallID: id, learnedID: false,
            fingerprint: RecordWriter.fingerprint(of: record, after: event, companyID: companyID, written: written))
    }

    /// Resolves a contact's `company_external_id` to Hipcall's company id (cache, then lookup).
    /// A company that does not exist yet may be being created by another worker: its id is awaited
    /// from the journal for ``companyWait`` (no API call), then it is a transient failure. When a
    /// finished scan of the companies did not see it, the journal is waited for first, and the
    /// lookup is only the last resort (a company made outside the fleet since the scan).
    private func resolveCompany(of event: SyncEvent) async throws(SyncFailure) -> Int64? {
        guard event.resource == .contacts, let key = event.companyKey else { return nil }
        if let id = ids.get(key) { return id }
        let scanned = ledger.isFinished(.companies)
        if scanned, let id = await ids.waitForID(key, timeout: companyWait) { return id }
        if let id = try await writer.lookupCompany(key) { return id }
        if !scanned, let id = await ids.waitForID(key, timeout: companyWait) { return id }
        throw RecordWriter.companyMissing(key)
    }
}
