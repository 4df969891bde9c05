import Foundation

/// How a worker applies its events to Hipcall: the coalescer/upserter pair it is built with, and
/// whether it keeps the fleet's journal. The `worker` command picks ``guideLoop`` for `--no-cache`.
public struct ApplyStrategy: Sendable {
    /// Builds the worker's parts from what it shares with them.
    let build: @Sendable (ApplyContext) -> ApplyParts

    /// The engine: linger and coalescing per record, a stale check, known ids PATCHed directly, the
    /// id cache, the journal read at start and appended to after each applied change, and list scans
    /// where they cost less than lookups.
    public static let engine = ApplyStrategy { context in
        let ids = IDCache(capacity: context.configuration.idCacheCapacity)
        let ledger = ScanLedger(me: context.workerID)
        for resource in SyncResource.allCases {
            // The worker's first scan plans are made as it starts: keys it does not know wait for them.
            ledger.planning(resource, until: .now + ListScanner.planningWait.timeInterval)
        }
        let topology = context.configuration.topology
        // The partitioned mode gives each record one worker: nothing of it is held elsewhere.
        let peers = context.peers
        let heldElsewhere = topology.isPartitioned
            ? nil : HeldElsewhere(me: context.workerID, isLive: { peers.isLive($0, window: FleetPresence.silenceLimit) })
        let coalescer = Coalescer(linger: context.configuration.linger, ready: context.upsertSlot(), heldElsewhere: heldElsewhere)
        let appender = JournalAppender(publisher: context.publisher, stream: topology.journalStream)
        return ApplyParts(
            coalescer: coalescer, upserter: Upserter(caller: context.caller, ids: ids, ledger: ledger),
            journal: FleetJournal(
                appender: appender,
                follower: JournalFollower(
                    topology: topology, coalescer: coalescer, ids: ids, ledger: ledger, heldElsewhere: heldElsewhere, me: context.workerID,
                    logger: context.logger)),
            scanner: ListScanner(
                caller: context.caller, appender: appender, publisher: context.publisher, stream: topology.journalStream, ledger: ledger,
                logger: context.logger, held: { await coalescer.pendingCount }),
            heldElsewhere: heldElsewhere)
    }

    /// The guide's plain loop, the benchmark's baseline: every event in arrival order per record, looked
    /// up by external id then created or updated; no coalescing, no linger, no id cache, no journal.
    public static let guideLoop = ApplyStrategy { context in
        ApplyParts(
            coalescer: GuideLoopCoalescer(ready: context.upsertSlot()), upserter: GuideLoopUpserter(caller: context.caller),
            journal: nil)
    }
}
