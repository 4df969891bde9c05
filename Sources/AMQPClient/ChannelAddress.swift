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

    /// Sends an ack, nack or reject; fails when the channel (and so the delivery) is gone.
    func settle(_ settlement: Settlement) async throws {
        try await perform { core, channel, done in
            var status: Int32
            switch settlement {
            case .ack(let tag, let multiple):
                var method = amqp_basic_ack_t(delivery_tag: tag, multiple: multiple ? 1 : 0)
                status = core.sendOneWay(channel: channel.id, method: AMQPMethodID.basicAck, &method)
            case .nack(let tag, let multiple, let requeue):
                var method = amqp_basic_nack_t(delivery_tag: tag, multiple: multiple ? 1 : 0, requeue: requeue ? 1 : 0)
                status = core.sendOneWay(channel: channel.id, method: AMQPMethodID.basicNack, &method)
            case .reject(let tag, let requeue):
                var method = amqp_basic_reject_t(delivery_tag: tag, requeue: requeue ? 1 : 0)
                status = core.sendOneWay(channel: channel.id, method: 0x003C_005A, &method)
            }
            if status == AMQP_STATUS_OK.rawValue {
                done(.success(()))
            } else {
                let error = AMQPError.library(status, context: "settling delivery on channel \(channel.id)")
                core.markBroken(error)
                done(.failure(error))
            }
        }
    }
}
