import Hipcall

/// The guide's plain loop, the benchmark's baseline: every event is looked up by external id, then
/// created or updated (only the fields that differ); a contact's company is looked up every time.
/// No id is kept or taken from the event, and nothing is awaited from the journal.
struct GuideLoopUpserter: EventUpserting {
    let writer: RecordWriter

    init(caller: HipcallCaller) {
        writer = RecordWriter(caller: caller, ids: NoIDStore())
    }

    func apply(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult {
        let resource = HipcallResource(event.resource)
        let companyID = try await resolveCompany(of: event)
        if let previous = event.previousExternalID {
            return try await writer.rekey(event, from: previous, resource: resource, companyID: companyID)
        }
        return try await writer.lookupThenWrite(event, resource: resource, companyID: companyID)
    }

    func knownID(of key: SyncKey) -> Int64? {
        nil
    }

    /// Looks a contact's company up by its external id; a company that does not exist is a transient failure.
    private func resolveCompany(of event: SyncEvent) async throws(SyncFailure) -> Int64? {
        guard event.resource == .contacts, let key = event.companyKey else { return nil }
        guard let id = try await writer.lookupCompany(key) else { throw RecordWriter.companyMissing(key) }
        return id
    }
}
