/// Serialises a worker's events per record and decides which of them to apply: the engine's
/// ``Coalescer`` or the guide's loop (``GuideLoopCoalescer``), as the worker's ``ApplyStrategy`` chose.
protocol EventCoalescing: Sendable {
    /// Decides `event`'s fate and, if it is to be applied, runs `apply` while holding its keys.
    func submit(_ event: SyncEvent, apply: (SyncEvent) async throws(SyncFailure) -> Void) async -> CoalescingOutcome
    /// Returns once no event for `key` is held by this process any more (at once when none is):
    /// a contact waits so for its company's pending create rather than fail to find it.
    func waitUntilSettled(_ key: SyncKey) async
    /// The number of events waiting for a record's lock, for a metric.
    var lockWaiterCount: Int { get }
}
