import CRabbitMQ

extension ConnectionCore {
    /// Writes `basic.publish` and registers the caller for the broker's confirm when the channel has confirms on.
    func publish(
        on channel: ChannelState, exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties,
        mandatory: Bool, continuation: CheckedContinuation<AMQPPublishOutcome, any Error>
    ) {
        guard let state else { return continuation.resume(throwing: AMQPError(.connectionClosed, message: "connection closed")) }
        var properties = properties
        let sequence = channel.nextPublishSequence
        if mandatory && channel.confirmsEnabled {
            properties.headers[AMQPChannel.publishSequenceHeader] = .int(Int64(sequence))
        }
        let arena = CArena()
        var raw = properties.makeRaw(in: arena)
        let status = body.withUnsafeBytes { buffer in
            amqp_basic_publish(
                state, channel.id, arena.string(exchange), arena.string(routingKey), mandatory ? 1 : 0, 0, &raw,
                amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            let error = AMQPError.library(status, context: "publishing to exchange '\(exchange)'")
            markBroken(error)
            return continuation.resume(throwing: error)
        }
        guard channel.confirmsEnabled else { return continuation.resume(returning: .sent) }
        channel.nextPublishSequence += 1
        channel.pendingConfirms[sequence] = continuation
    }
}
