import AMQPClient
import Logging

/// Publishes with publisher confirms on a connection of its own, reconnecting when it died.
/// The worker acks a delivery only after its retry, dead-letter or synced copy is confirmed here.
/// A confirm that does not come within ``confirmTimeout`` (a broker that blocks the connection
/// during a resource alarm, a hung connection) fails the connection: it is dropped, the publish
/// throws, and the next publish connects again.
actor ReliablePublisher {
    private let brokers: AMQPAddressList
    /// The broker address of the last connection: a reconnect tries the next one first.
    private var lastBroker: AMQPConfiguration?
    private let logger: Logger
    private let flow: BrokerFlow?
    /// How long one publish waits for the broker's confirm.
    let confirmTimeout: Duration
    private var channel: AMQPChannel?

    init(brokers: AMQPAddressList, logger: Logger, flow: BrokerFlow? = nil, confirmTimeout: Duration = .seconds(30)) {
        self.brokers = brokers
        self.logger = logger
        self.flow = flow
        self.confirmTimeout = confirmTimeout
    }

    /// Publishes and waits for the broker's confirm; one reconnect is tried when the connection died,
    /// none when the confirm did not come in time. A cancelled caller stops waiting at once (its
    /// publish may still be routed: the connection is dropped, so the confirm can never arrive).
    func publish(
        exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties
    ) async throws -> AMQPPublishOutcome {
        var lastError: (any Error)?
        for _ in 0..<2 {
            try Task.checkCancellation()
            do {
                let channel = try await currentChannel()
                let outcome = try await confirmed(on: channel) {
                    try await channel.publish(
                        exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: true)
                }
                if case .returned(let code, let text) = outcome {
                    throw AMQPError(.returned, message: "no queue took the message for '\(routingKey)': \(text)", replyCode: code)
                }
                return outcome
            } catch let error as AMQPError where error.kind == .confirmTimedOut || error.kind == .aborted {
                self.channel = nil
                logger.warning("publisher dropped its connection", metadata: ["error": "\(error)"])
                throw error
            } catch let error as AMQPError where error.isConnectionLevel || error.kind == .channelClosedByServer || error.kind == .channelClosed {
                lastError = error
                self.channel = nil
                logger.warning("publisher lost its channel; reconnecting", metadata: ["error": "\(error)"])
            }
        }
        throw lastError!
    }

    /// Runs `publish` (which awaits its confirm) and drops the connection when the confirm has not
    /// come within ``confirmTimeout`` or the caller is cancelled: dropping it is the only way to end
    /// the wait, and it also breaks a write stuck on a broker that stopped reading.
    private func confirmed(
        on channel: AMQPChannel, _ publish: @escaping @Sendable () async throws -> AMQPPublishOutcome
    ) async throws -> AMQPPublishOutcome {
        let connection = channel.connection
        let timeout = confirmTimeout
        return try await withThrowingTaskGroup(of: AMQPPublishOutcome?.self) { group in
            group.addTask { try await publish() }
            group.addTask {
                // Ends early, with nil all the same, when the caller is cancelled.
                try? await Task.sleep(for: timeout)
                return nil
            }
            // The timer's nil drops the connection, after which the publish throws (and ends the loop).
            for try await outcome in group {
                if let outcome {
                    group.cancelAll()
                    return outcome
                }
                if Task.isCancelled {
                    connection.abort(reason: "a publish waiting for its confirm was cancelled")
                } else {
                    connection.abort(.confirmTimedOut, reason: "the broker did not confirm a publish within \(timeout)")
                }
            }
            throw AMQPError(.confirmTimedOut, message: "the broker did not confirm a publish within \(timeout)")
        }
    }

    private func currentChannel() async throws -> AMQPChannel {
        if let channel, channel.connection.closeReason == nil { return channel }
        let connection = try await AMQPConnection.connect(brokers, after: lastBroker, logger: logger, onFlowChange: flow?.observer())
        lastBroker = connection.configuration
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        self.channel = channel
        return channel
    }

    /// Closes the publisher's connection (dropping it after a short bound when the broker blocks it).
    func close() async {
        await channel?.connection.close()
        channel = nil
    }
}
