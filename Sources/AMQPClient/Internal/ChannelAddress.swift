import CRabbitMQ

/// How a delivery finds its way back to the channel it came from, without keeping the
/// connection alive: the connection's mailbox and the channel number.
struct ChannelAddress: Sendable {
    let mailbox: Mailbox
    let id: UInt16

    /// The ways to settle a delivery.
    enum Settlement: Sendable {
        case ack(UInt64, multiple: Bool)
        case nack(UInt64, multiple: Bool, requeue: Bool)
        case reject(UInt64, requeue: Bool)
    }

    /// Runs `body` on the connection thread with this channel's state and awaits its answer.
    func perform<Value: Sendable>(
        _ body: @escaping @Sendable (ConnectionCore, ChannelState, @escaping @Sendable (Result<Value, AMQPError>) -> Void) -> Void
    ) async throws -> Value {
        let id = self.id
        return try await withCheckedThrowingContinuation { continuation in
            mailbox.submit(
                LoopCommand(
                    run: { core in
                        switch core.channel(id) {
                        case .failure(let error): continuation.resume(throwing: error)
                        case .success(let channel): body(core, channel) { continuation.resume(with: $0) }
                        }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    /// Queues an ack, nack or reject without waiting for the thread: `basic.ack` has no reply,
    /// so waiting would only add a thread round trip per message. Throws when the connection is
    /// already gone; a settlement for a channel that died meanwhile is dropped, and the broker
    /// redelivers the message.
    func settle(_ settlement: Settlement) throws {
        let id = self.id
        if let error = mailbox.submitReportingTermination(
            LoopCommand(
                run: { core in core.settle(settlement, onChannel: id) },
                fail: { _ in }))
        {
            throw error
        }
    }
}
