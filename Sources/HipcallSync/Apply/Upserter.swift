import Hipcall

/// The engine's upserter: applies one event with as few calls as the state allows. A known id (from
/// the event or the id cache, which the journal feeds) is PATCHed directly; otherwise the
/// ``RecordWriter`` looks the record up and creates or updates it. A contact's company comes from
/// the cache, a lookup, or (while another worker is creating it) the journal.
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
        let resource = HipcallResource(event.resource)
        let companyID = try await resolveCompany(of: event)
        if let previous = event.previousExternalID {
            return try await writer.rekey(event, from: previous, resource: resource, companyID: companyID)
        }
        if let id = event.hipcallID ?? ids.get(event.key) {
            if let result = try await patchKnown(event, id: id, resource: resource, companyID: companyID) {
                return result
            }
            ids.remove(event.key)
        }
        return try await writer.lookupThenWrite(event, resource: resource, companyID: companyID)
    }

    func knownID(of key: SyncKey) -> Int64? {
        ids.get(key)
    }

    /// PATCHes a record by its known id with every managed scalar field, then reconciles lists
    /// against the record the PATCH returned. `nil` when the id no longer exists.
    private func patchKnown(
        _ event: SyncEvent, id: Int64, resource: HipcallResource, companyID: Int64?
    ) async throws(SyncFailure) -> UpsertResult? {
        let fields = UpsertPlan.scalarFields(event: event, resolvedCompanyID: companyID)
        guard
            let record = try await writer.caller.perform("PATCH /\(resource.rawValue)/:id", acceptAsNil: \.isNotFound, { client in
                try await client.update(resource, id: id, fields: fields)
            })
        else { return nil }
        let lists = UpsertPlan.update(event: event, existing: record.fields, resolvedCompanyID: companyID)
        try await writer.reconcileLists(lists, id: id, resource: resource)
        ids.set(event.key, id)
        return UpsertResult(action: .updated, hipcallID: id, learnedID: false)
    }

    /// Resolves a contact's `company_external_id` to Hipcall's company id (cache, then lookup).
    /// A company that does not exist yet may be being created by another worker: its id is awaited
    /// from the journal for ``companyWait`` (no API call), then it is a transient failure.
    private func resolveCompany(of event: SyncEvent) async throws(SyncFailure) -> Int64? {
        guard event.resource == .contacts, let key = event.companyKey else { return nil }
        if let id = ids.get(key) { return id }
        if let id = try await writer.lookupCompany(key) { return id }
        guard let id = await ids.waitForID(key, timeout: companyWait) else { throw RecordWriter.companyMissing(key) }
        return id
    }
}
