/// Applies one event to Hipcall, called with the record's keys locked: the engine's ``Upserter``
/// or the guide's loop (``GuideLoopUpserter``), as the worker's ``ApplyStrategy`` chose.
protocol EventUpserting: Sendable {
    /// Applies `event`; throws a classified failure.
    func apply(_ event: SyncEvent) async throws(SyncFailure) -> UpsertResult
    /// Hipcall's id for `key` when this worker knows it without a call (the guide's loop knows none).
    func knownID(of key: SyncKey) -> Int64?
}
