/// Applies one event to Hipcall, called with the record's keys locked: the engine's ``Upserter``
/// or the guide's loop (``GuideLoopUpserter``), as the worker's ``ApplyStrategy`` chose.
protocol EventUpserting: Sendable {
    /// Applies `event`; throws a classified failure.
    func apply(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult
    /// Hipcall's id for `key` when this worker knows it without a call (the guide's loop knows none).
    func knownID(of key: SyncKey) -> Int64?
    /// Waits, without a call and without holding an upsert slot, for the fleet to learn the id of a
    /// company that a contact links to, when the fleet knows it is being created rather than
    /// existing already; returns at once otherwise.
    func awaitCreation(ofCompany key: SyncKey) async
    /// Waits, without a call and without holding an upsert slot, while a list scan that will bring
    /// the id of `key` (unknown to the worker) is planned or running; returns at once otherwise.
    func awaitScan(of key: SyncKey) async
}

extension EventUpserting {
    func awaitCreation(ofCompany key: SyncKey) async {}
    func awaitScan(of key: SyncKey) async {}
}
