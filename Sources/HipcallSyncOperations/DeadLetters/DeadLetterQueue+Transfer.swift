import AMQPClient
import Foundation
import HipcallSync

/// Keeping dead letters outside the broker: export to an NDJSON file of ``DeadLetterRecord``
/// lines, and import such a file back.
extension DeadLetterQueue {
    /// How many exported messages at most wait for the file's sync before they are acked (removed).
    static let exportSyncBatch = 256

    /// Appends each matching message to `file` as one line. With `remove`, acks (removes) it, but
    /// only after `file` was synced to disk with its line (every ``exportSyncBatch`` lines and at
    /// the end): a crash or a full disk loses nothing, at worst a message is in the file and
    /// still in the queue. Without `remove` every message goes back in order.
    public func export(
        filter: DeadLetterFilter, limit: Int?, remove: Bool, to file: FileHandle, progress: (DeadLetterOutcome) -> Void = { _ in }
    ) async throws -> DeadLetterReport {
        var held: [DeadLetter] = []
        func syncThenAck() throws {
            try file.synchronize()
            for letter in held { try letter.delivery.ack() }
            held.removeAll()
        }
        return try await sweep(filter: filter, limit: limit, progress: progress) { letter in
            try file.write(contentsOf: Data((DeadLetterRecord(letter).line + "\n").utf8))
            guard remove else { return .exported(removed: false) }
            held.append(letter)
            if held.count >= Self.exportSyncBatch { try syncThenAck() }
            return .exported(removed: true)
        } finish: {
            try syncThenAck()
        }
    }

    /// Publishes `records` in order, each confirmed: back into this queue exactly as exported
    /// (the dead-letter queue through the dead-letter exchange under the record's routing key, the
    /// parked and waiting queues through the default exchange), or with `replay` to the events exchange as
    /// ``replay(filter:limit:dryRun:maxReplays:progress:)`` republishes a dead letter. A record
    /// that cannot be routed is counted as failed and the others go on; `progress` gets the
    /// records handled so far. Killed midway, a new run publishes the first ones again (duplicates
    /// the journal acks as stale once applied).
    public func importRecords(
        _ records: [DeadLetterRecord], replay: Bool, progress: (Int) -> Void = { _ in }
    ) async throws -> DeadLetterImportReport {
        if !replay { try await requireQueue() }
        let publisher = ConfirmedPublisher(connection: connection)
        var report = DeadLetterImportReport()
        for (index, record) in records.enumerated() {
            do {
                if replay {
                    var headers = HeaderReader(record.properties.headers)
                    let routingKey = DeadLetter.eventRoutingKey(in: &headers, deliveredWith: record.routingKey)
                    let properties = DeadLetter.replayProperties(
                        of: record.properties, routingKey: routingKey, body: record.body, replays: DeadLetter.replays(in: &headers))
                    try await publisher.publish(record.body, routingKey: routingKey, properties: properties, to: topology.eventsExchange)
                } else if holding == .deadLetters {
                    try await publisher.publish(record.body, routingKey: record.routingKey, properties: record.properties, to: topology.deadLetterExchange)
                } else {
                    try await publisher.publish(record.body, routingKey: queue, properties: record.properties, to: "")
                }
                report.published += 1
            } catch let error as AMQPError where error.isConnectionLevel {
                throw error
            } catch {
                report.failures.append(DeadLetterImportReport.Failure(record: index + 1, reason: "\(error)"))
            }
            progress(index + 1)
        }
        return report
    }

    /// Throws ``DeadLetterError/queueMissing(queue:)`` unless this queue exists.
    private func requireQueue() async throws {
        do {
            let channel = try await connection.openChannel()
            _ = try await channel.declareQueue(queue, passive: true)
            try await channel.close()
        } catch let error as AMQPError where error.replyCode == 404 {
            throw DeadLetterError.queueMissing(queue: queue)
        }
    }
}

/// The tally of one import.
public struct DeadLetterImportReport: Sendable {
    /// A record the broker did not take, by its 1-based position in the file, and why.
    public struct Failure: Sendable {
        public let record: Int
        public let reason: String
    }

    /// Records published and confirmed.
    public var published = 0
    /// Records that could not be published; the others were.
    public var failures: [Failure] = []
}
