import AMQPClient
import Foundation
import HipcallSync

/// Reads, replays and purges the dead-letter queue (or the parked queue) without ever losing a message.
///
/// Every operation fetches with `basic.get` on a channel of its own and holds each fetched
/// message unacknowledged. Only a message that is meant to go is acked: a purged one at once, a
/// replayed one only after the broker confirmed its copy on the events exchange. Closing the
/// channel (or the process dying, even by SIGKILL) returns every other message to the queue in
/// its original order; at worst a replayed message whose ack did not reach the broker is
/// replayed again by the next run.
public struct DeadLetterQueue: Sendable {
    /// The connection every operation opens its channels on.
    let connection: AMQPConnection
    /// Names the dead-letter queue and the events exchange replays go to.
    let topology: SyncTopology
    /// Which of the topology's queues of failed messages this works on.
    let holding: Holding

    /// The queues of failed messages.
    public enum Holding: Sendable {
        /// The dead-letter queue.
        case deadLetters
        /// Where replay's loop guard parks what failed every replay.
        case parked
        /// Where workers put events waiting for another record (``SyncTopology/waitingQueue``).
        case waiting
    }

    /// Works on `holding` of `topology` (its dead-letter queue unless told otherwise).
    public init(connection: AMQPConnection, topology: SyncTopology, holding: Holding = .deadLetters) {
        self.connection = connection
        self.topology = topology
        self.holding = holding
    }

    /// The queue this works on.
    public var queue: String {
        switch holding {
        case .deadLetters: topology.deadLetterQueue
        case .parked: topology.parkedQueue
        case .waiting: topology.waitingQueue
        }
    }

    /// The messages waiting in the queue that pass `filter`, in queue order, skipping the first
    /// `offset` of them and stopping after `limit`; none is consumed.
    public func browse(filter: DeadLetterFilter = DeadLetterFilter(), offset: Int = 0, limit: Int? = nil) async throws -> [DeadLetter] {
        var letters: [DeadLetter] = []
        // Saturating: an offset near Int.max with a limit must not trap.
        _ = try await sweep(filter: filter, limit: limit.map { offset.addingReportingOverflow($0).overflow ? .max : offset + $0 }) { letter in
            letters.append(letter)
            return .kept
        }
        return Array(letters.dropFirst(offset))
    }

    /// Republishes each matching message's body byte for byte, with its original routing key and
    /// routing headers and without failure headers (``DeadLetter/replayProperties``), to the
    /// events exchange (mandatory, confirmed), then acks the dead-letter copy. The loop guard: a
    /// message already replayed `maxReplays` times is moved to the parked queue instead (only when
    /// replaying from the dead-letter queue). A failed publish leaves the message in the queue.
    /// With `dryRun`, nothing is published or acked.
    public func replay(
        filter: DeadLetterFilter, limit: Int?, dryRun: Bool, maxReplays: Int = DeadLetterQueue.defaultMaxReplays,
        progress: (DeadLetterOutcome) -> Void = { _ in }
    ) async throws -> DeadLetterReport {
        let publisher = ConfirmedPublisher(connection: connection)
        return try await sweep(filter: filter, limit: limit, progress: progress) { letter in
            let park = holding == .deadLetters && letter.replays >= maxReplays
            if dryRun { return park ? .wouldPark : .wouldReplay }
            do {
                if park {
                    let reason = "replayed \(letter.replays) time\(letter.replays == 1 ? "" : "s") (--max-replays \(maxReplays)) "
                        + "and dead-lettered again: \(letter.reason ?? "no failure recorded")"
                    try await publisher.publish(
                        letter.delivery.body, routingKey: topology.parkedQueue, properties: letter.parkingProperties(reason: reason, at: Date()),
                        to: "")
                } else {
                    try await publisher.publish(
                        letter.delivery.body, routingKey: letter.routingKey, properties: letter.replayProperties, to: topology.eventsExchange)
                }
            } catch let error as AMQPError where error.isConnectionLevel {
                throw error
            } catch {
                return .failed("\(error)")
            }
            try letter.delivery.ack()
            return park ? .parked : .replayed
        }
    }

    /// How many replays a dead letter gets before the loop guard parks it, unless told otherwise.
    public static let defaultMaxReplays = 3

    /// Acks (deletes) each matching message.
    public func purge(filter: DeadLetterFilter, limit: Int?, progress: (DeadLetterOutcome) -> Void = { _ in }) async throws
        -> DeadLetterReport
    {
        try await sweep(filter: filter, limit: limit, progress: progress) { letter in
            try letter.delivery.ack()
            return .purged
        }
    }

    /// Fetches the messages ready now (no more than the queue held when it started, so messages
    /// dead-lettered meanwhile wait for the next run), hands each matching one to `act` while it
    /// is held, runs `finish` while they are all still held, and closes the channel so that
    /// everything `act` or `finish` did not ack goes back.
    func sweep(
        filter: DeadLetterFilter, limit: Int?, progress: (DeadLetterOutcome) -> Void = { _ in },
        act: (DeadLetter) async throws -> DeadLetterOutcome.Action, finish: () async throws -> Void = {}
    ) async throws -> DeadLetterReport {
        let queue = self.queue
        let channel: AMQPChannel
        let ready: UInt32
        do {
            channel = try await connection.openChannel()
            ready = try await channel.declareQueue(queue, passive: true).messageCount
        } catch let error as AMQPError where error.replyCode == 404 {
            throw DeadLetterError.queueMissing(queue: queue)
        }
        var report = DeadLetterReport()
        do {
            while report.examined < ready, report.matched < limit ?? Int.max,
                let message = try await channel.get(queue: queue)
            {
                report.examined += 1
                let letter = DeadLetter(message.delivery)
                guard filter.matches(letter) else {
                    report.skipped += 1
                    continue
                }
                report.matched += 1
                let outcome = DeadLetterOutcome(letter: letter, action: try await act(letter))
                report.record(outcome)
                progress(outcome)
            }
            try await finish()
            // `ack()` only queues the ack, and the connection thread sends queued acks after the other
            // commands of the same batch: a `channel.close` in that batch would reach the broker first,
            // which then drops the acks and requeues the messages. One round trip on this channel
            // puts the acks on the wire before the close.
            _ = try await channel.declareQueue(queue, passive: true)
            try await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
        return report
    }
}

/// Publishes replayed messages on a confirm-mode channel of its own, opening a new one when the
/// broker closed the last (a missing exchange answers 404 and closes the channel).
final class ConfirmedPublisher {
    private let connection: AMQPConnection
    private var channel: AMQPChannel?

    init(connection: AMQPConnection) {
        self.connection = connection
    }

    /// Publishes `body` as a mandatory message and awaits the broker's confirm; throws
    /// ``DeadLetterError/unroutable(routingKey:exchange:)`` when no queue took it.
    func publish(_ body: [UInt8], routingKey: String, properties: AMQPProperties, to exchange: String) async throws {
        let channel = try await currentChannel()
        do {
            let outcome = try await channel.publish(
                exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: true)
            switch outcome {
            case .confirmed: return
            case .returned, .sent: throw DeadLetterError.unroutable(routingKey: routingKey, exchange: exchange)
            }
        } catch let error as AMQPError where error.kind == .channelClosedByServer || error.kind == .channelClosed {
            self.channel = nil
            throw error
        }
    }

    /// Closes its channel, if it has one.
    func close() async {
        try? await channel?.close()
        channel = nil
    }

    private func currentChannel() async throws -> AMQPChannel {
        if let channel { return channel }
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        self.channel = channel
        return channel
    }
}
