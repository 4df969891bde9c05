import AMQPClient
import Logging

/// Reads the journal stream (see ``JournalEntry``) into one worker's memory: Hipcall's ids into the
/// id cache, and each record's newest applied `occurred_at` into the coalescer's stale check.
struct JournalFollower: Sendable {
    let topology: SyncTopology
    let coalescer: Coalescer
    let ids: IDCache
    /// Where the scans the journal reports as finished are recorded.
    let ledger: ScanLedger
    /// Where the events the shared mode's peers hold are recorded; nil in the partitioned mode.
    let heldElsewhere: HeldElsewhere?
    /// This worker's id, carried by its markers.
    let me: String
    let logger: Logger

    /// How many journal messages the broker may send ahead (a stream consumer must ack to get more).
    static let prefetch: UInt16 = 2_000

    /// Follows the journal from its first entry until cancelled or the connection dies. Calls
    /// `caughtUp` once, when every entry written before it started has been read: it appends a
    /// marker of its own and waits for it to come back.
    func follow(on connection: AMQPConnection, caughtUp: @Sendable () -> Void) async throws {
        let channel = try await connection.openChannel()
        try await channel.qos(prefetchCount: Self.prefetch)
        let consumer = try await channel.consume(queue: topology.journalStream, arguments: ["x-stream-offset": "first"])
        _ = try await channel.publish(
            exchange: "", routingKey: topology.journalStream, body: [], properties: JournalEntry.markerProperties(worker: me))
        let started = ContinuousClock.now
        var read = 0
        var waiting = true
        for try await delivery in consumer {
            let (entries, held) = JournalEntry.rows(headers: delivery.headers, body: delivery.body)
            if !held.isEmpty { heldElsewhere?.note(held) }
            if let scan = ScanMessage(headers: delivery.headers, body: delivery.body) { ledger.apply(scan) }
            for entry in entries {
                ids.offer(entry.key, entry.hipcallID, fingerprint: entry.fingerprint)
                if let previous = entry.previousExternalID {
                    ids.remove(SyncKey(resource: entry.key.resource, externalID: previous))
                }
            }
            // Observed entries (list-scan rows) are not events: they make nothing stale.
            let applied = entries.compactMap { entry in entry.eventID.map { (entry.key, entry.occurredAt, $0) } }
            if !applied.isEmpty {
                await coalescer.remember(applied)
                // After the coalescer knows: an event that waited for one of these is stale now.
                heldElsewhere?.applied(applied)
            }
            read += entries.count
            if entries.isEmpty, waiting, JournalEntry.marker(in: delivery.headers) == me {
                waiting = false
                logger.info(
                    "read the journal", metadata: ["entries": "\(read)", "duration_ms": "\((ContinuousClock.now - started).milliseconds)"])
                caughtUp()
            }
            try? delivery.ack()
        }
    }
}
