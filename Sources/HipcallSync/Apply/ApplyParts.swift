import Logging

/// What an ``ApplyStrategy`` builds its parts from: the worker's settings and the pieces it shares.
struct ApplyContext: Sendable {
    let configuration: WorkerConfiguration
    let caller: HipcallCaller
    let limiter: RateLimiter
    let publisher: ReliablePublisher
    /// The worker's id in the fleet, carried by its journal markers.
    let workerID: String
    /// The fleet's workers as their heartbeats tell them.
    let peers: PeerSet
    let logger: Logger

    /// The coalescer's `ready` hook: an event is decided only once one of `concurrency` upsert slots
    /// is free and the rate limit lets a call out, so that newer events are still absorbed while it
    /// waits. Companies get slots first: a contact whose company is waiting too would only fail.
    func upsertSlot() -> @Sendable (SyncEvent) async -> @Sendable () -> Void {
        let upsertSlots = FairPermits(configuration.concurrency)
        let limiter = limiter
        return { event in
            await upsertSlots.acquire(ahead: event.resource == .companies)
            try? await limiter.waitUntilOpen()
            return { upsertSlots.release() }
        }
    }
}

/// The coalescer/upserter pair a worker applies its events with, and the journal that goes with it.
struct ApplyParts: Sendable {
    let coalescer: any EventCoalescing
    let upserter: any EventUpserting
    /// The fleet's journal; nil for the guide's loop, which neither reads nor appends to it.
    let journal: FleetJournal?
    /// Scans Hipcall's lists when that is cheaper than lookups; nil for the guide's loop.
    var scanner: ListScanner? = nil
    /// What the shared mode's peers hold (see ``HeldEvent``); nil in the partitioned mode and the guide's loop.
    var heldElsewhere: HeldElsewhere? = nil
}
