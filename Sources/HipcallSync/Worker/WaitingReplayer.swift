import AMQPClient
import Logging

/// Sends back to the events exchange each event of the waiting queue whose awaited record
/// (`x-hipcall-waiting-for`) the worker now knows as synced: a contact that ran out of retries
/// because its company did not exist is replayed, without an operator, within one ``interval``
/// of the company's sync (by any worker: the journal tells every worker the company's id).
///
/// Each pass fetches what the queue holds with `basic.get`, holding it unacknowledged; a message is
/// acked only after its replay was confirmed, everything else goes back when the channel closes.
/// Several workers may pass at once: each message is held by one of them. Killed midway, at worst a
/// replayed message is replayed again (acked as stale once applied).
struct WaitingReplayer: Sendable {
    let topology: SyncTopology
    /// Knows the ids of the records synced by the fleet (learned from the journal).
    let upserter: any EventUpserting
    let publisher: ReliablePublisher
    let interval: Duration
    let metrics: WorkerMetrics
    let logger: Logger

    /// Passes over the waiting queue every ``interval`` until cancelled; a failed pass is logged and
    /// the next one tries again (returning would end the worker's consumption beside it).
    func run(on connection: AMQPConnection) async {
        while true {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                try await pass(on: connection)
            } catch {
                if Task.isCancelled { return }
                logger.warning("could not look through the waiting queue", metadata: ["queue": "\(topology.waitingQueue)", "error": "\(error)"])
            }
        }
    }

    /// The most waiting messages one pass looks at (the rest wait for the next pass).
    static let maxPerPass: UInt32 = 1_000

    /// One look through the messages ready now; returns how many it replayed.
    @discardableResult
    func pass(on connection: AMQPConnection) async throws -> Int {
        let queue = topology.waitingQueue
        let channel = try await connection.openChannel()
        var replayed = 0
        do {
            // At most ``maxPerPass`` a pass: each is a round trip, held unacked until the pass ends.
            let ready = min(try await channel.declareQueue(queue, passive: true).messageCount, Self.maxPerPass)
            var examined: UInt32 = 0
            while examined < ready, let message = try await channel.get(queue: queue) {
                examined += 1
                if try await replayIfReady(message.delivery) { replayed += 1 }
            }
            // One round trip puts the queued acks on the wire before the close (see DeadLetterQueue.sweep).
            _ = try await channel.declareQueue(queue, passive: true)
            try await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
        return replayed
    }

    /// Replays `delivery` when the record it waits for is known, then acks it; false when it waits on.
    private func replayIfReady(_ delivery: AMQPDelivery) async throws -> Bool {
        var headers = HeaderReader(delivery.headers)
        guard let awaited = headers.text(SyncHeaders.waitingFor, maxBytes: DeliveryHeaders.maxRecordKeyBytes).flatMap(Self.key),
            upserter.knownID(of: awaited) != nil,
            let routingKey = headers.text(SyncHeaders.originalRoutingKey, maxBytes: DeliveryHeaders.maxRoutingKeyBytes)
        else { return false }
        let properties = ReplayHeaders.properties(replaying: delivery.properties, routingKey: routingKey, body: delivery.body, replays: nil)
        do {
            _ = try await publisher.publish(exchange: topology.eventsExchange, routingKey: routingKey, body: delivery.body, properties: properties)
        } catch {
            logger.warning(
                "could not replay a waiting event; it waits on",
                metadata: ["waiting_for": "\(awaited)", "message_id": "\(delivery.properties.messageID ?? "unknown")", "error": "\(error)"])
            return false
        }
        try delivery.ack()
        metrics.event("replayed_after_wait", resource: RoutingKeys.resource(ofEvent: routingKey)?.rawValue ?? "unknown")
        logger.info("replayed a waiting event", metadata: ["waiting_for": "\(awaited)", "message_id": "\(delivery.properties.messageID ?? "unknown")"])
        return true
    }

    /// The record an `x-hipcall-waiting-for` value (`companies:ERP-1`) names; nil when it names none.
    static func key(_ value: String) -> SyncKey? {
        guard let colon = value.firstIndex(of: ":"), let resource = SyncResource(rawValue: String(value[..<colon])) else { return nil }
        let externalID = String(value[value.index(after: colon)...])
        return externalID.isEmpty ? nil : SyncKey(resource: resource, externalID: externalID)
    }
}
