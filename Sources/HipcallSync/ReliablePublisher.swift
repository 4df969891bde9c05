import AMQPClient
import Logging

/// Publishes with publisher confirms on a connection of its own, reconnecting when it died.
/// The worker acks a delivery only after its retry, dead-letter or synced copy is confirmed here.
actor ReliablePublisher {
    private let configuration: AMQPConfiguration
    private let logger: Logger
    private var channel: AMQPChannel?

    init(configuration: AMQPConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Publishes and waits for the broker's confirm; one reconnect is tried when the connection died.
    func publish(
        exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties
    ) async throws -> AMQPPublishOutcome {
        var lastError: (any Error)?
        for _ in 0..<2 {
            do {
                let channel = try await currentChannel()
                let outcome = try await channel.publish(
                    exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: true)
                if case .returned(let code, let text) = outcome {
                    throw AMQPError(.returned, message: "no queue took the message for '\(routingKey)': \(text)", replyCode: code)
                }
                return outcome
            } catch let error as AMQPError where error.isConnectionLevel || error.kind == .channelClosedByServer || error.kind == .channelClosed {
                lastError = error
                self.channel = nil
                logger.warning("publisher lost its channel; reconnecting", metadata: ["error": "\(error)"])
            }
        }
        throw lastError!
    }

    private func currentChannel() async throws -> AMQPChannel {
        if let channel, channel.connection.closeReason == nil { return channel }
        let connection = try await AMQPConnection.connect(configuration, logger: logger)
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        self.channel = channel
        return channel
    }

    /// Closes the publisher's connection.
    func close() async {
        await channel?.connection.close()
        channel = nil
    }
}
