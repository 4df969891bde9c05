import CRabbitMQ
import Glibc
import Synchronization

/// An AMQP channel on a connection: declarations, consumption, publishing and `basic.get`.
/// A channel that the broker closed (for example on a 404 or 406) answers every later call
/// with the broker's reason.
public struct AMQPChannel: Sendable {
    /// The header that correlates a returned mandatory publish with its confirm.
    static let publishSequenceHeader = "x-amqp-publish-seq"

    /// The connection this channel lives on (kept open while the channel is used).
    public let connection: AMQPConnection
    /// The channel number.
    public let id: UInt16
    let address: ChannelAddress

    init(connection: AMQPConnection, id: UInt16) {
        self.connection = connection
        self.id = id
        self.address = ChannelAddress(mailbox: connection.mailbox, id: id)
    }

    /// Sends a synchronous method built on the connection thread and awaits its reply.
    private func rpc<Method>(
        _ methodID: amqp_method_number_t, expecting replies: [amqp_method_number_t],
        build: @escaping @Sendable (CArena) -> Method
    ) async throws -> RPCReply {
        try await address.perform { core, channel, done in
            let arena = CArena()
            var method = build(arena)
            core.sendRPC(on: channel, method: methodID, &method, expecting: replies) { result in
                withExtendedLifetime(arena) { done(result) }
            }
        }
    }

    /// Declares an exchange (idempotent when it exists with the same settings; 406 otherwise).
    public func declareExchange(
        _ name: String, type: String = "topic", durable: Bool = true, autoDelete: Bool = false, isInternal: Bool = false,
        passive: Bool = false, arguments: AMQPTable = [:]
    ) async throws {
        _ = try await rpc(AMQPMethodID.exchangeDeclare, expecting: [AMQPMethodID.exchangeDeclareOk]) { arena in
            amqp_exchange_declare_t(
                ticket: 0, exchange: arena.string(name), type: arena.string(type), passive: passive ? 1 : 0,
                durable: durable ? 1 : 0, auto_delete: autoDelete ? 1 : 0, internal: isInternal ? 1 : 0, nowait: 0,
                arguments: arena.table(arguments))
        }
    }

    /// Deletes an exchange.
    public func deleteExchange(_ name: String) async throws {
        _ = try await rpc(AMQPMethodID.exchangeDelete, expecting: [AMQPMethodID.exchangeDeleteOk]) { arena in
            amqp_exchange_delete_t(ticket: 0, exchange: arena.string(name), if_unused: 0, nowait: 0)
        }
    }

    /// Declares a queue, or with `passive` checks that it exists (a 404 closes the channel when it does not).
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false, passive: Bool = false,
        arguments: AMQPTable = [:]
    ) async throws -> AMQPQueueInfo {
        let reply = try await rpc(AMQPMethodID.queueDeclare, expecting: [AMQPMethodID.queueDeclareOk]) { arena in
            amqp_queue_declare_t(
                ticket: 0, queue: arena.string(name), passive: passive ? 1 : 0, durable: durable ? 1 : 0,
                exclusive: exclusive ? 1 : 0, auto_delete: autoDelete ? 1 : 0, nowait: 0, arguments: arena.table(arguments))
        }
        guard case .queueDeclared(let info) = reply else { throw AMQPError(.library, message: "unexpected reply to queue.declare") }
        return info
    }

    /// Binds a queue to an exchange.
    public func bindQueue(_ queue: String, exchange: String, routingKey: String, arguments: AMQPTable = [:]) async throws {
        _ = try await rpc(AMQPMethodID.queueBind, expecting: [AMQPMethodID.queueBindOk]) { arena in
            amqp_queue_bind_t(
                ticket: 0, queue: arena.string(queue), exchange: arena.string(exchange), routing_key: arena.string(routingKey),
                nowait: 0, arguments: arena.table(arguments))
        }
    }

    /// Binds exchange `destination` to exchange `source` (a RabbitMQ extension): messages routed by
    /// `source` with a matching key continue to `destination`.
    public func bindExchange(
        _ destination: String, source: String, routingKey: String, arguments: AMQPTable = [:]
    ) async throws {
        _ = try await rpc(AMQPMethodID.exchangeBind, expecting: [AMQPMethodID.exchangeBindOk]) { arena in
            amqp_exchange_bind_t(
                ticket: 0, destination: arena.string(destination), source: arena.string(source),
                routing_key: arena.string(routingKey), nowait: 0, arguments: arena.table(arguments))
        }
    }

    /// Removes every ready message from a queue; returns how many were removed.
    @discardableResult
    func purgeQueue(_ name: String) async throws -> UInt32 {
        let reply = try await rpc(AMQPMethodID.queuePurge, expecting: [AMQPMethodID.queuePurgeOk]) { arena in
            amqp_queue_purge_t(ticket: 0, queue: arena.string(name), nowait: 0)
        }
        guard case .messageCount(let count) = reply else { return 0 }
        return count
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> UInt32 {
        let reply = try await rpc(AMQPMethodID.queueDelete, expecting: [AMQPMethodID.queueDeleteOk]) { arena in
            amqp_queue_delete_t(
                ticket: 0, queue: arena.string(name), if_unused: ifUnused ? 1 : 0, if_empty: ifEmpty ? 1 : 0, nowait: 0)
        }
        guard case .messageCount(let count) = reply else { return 0 }
        return count
    }

    /// Limits how many unacknowledged deliveries the broker sends to this channel's consumers.
    public func qos(prefetchCount: UInt16, global: Bool = false) async throws {
        _ = try await rpc(AMQPMethodID.basicQos, expecting: [AMQPMethodID.basicQosOk]) { _ in
            amqp_basic_qos_t(prefetch_size: 0, prefetch_count: prefetchCount, global: global ? 1 : 0)
        }
    }

    /// Puts the channel in publisher-confirm mode: every later ``publish`` awaits the broker's confirm.
    public func enableConfirms() async throws {
        try await address.perform { core, channel, done in
            var select = amqp_confirm_select_t(nowait: 0)
            core.sendRPC(on: channel, method: AMQPMethodID.confirmSelect, &select, expecting: [AMQPMethodID.confirmSelectOk]) {
                result in
                if case .success = result { channel.confirmsEnabled = true }
                done(result.map { _ in () })
            }
        }
    }

    /// Publishes a message. With confirms enabled it returns once the broker confirmed it (or
    /// returned it, for an unroutable `mandatory` publish); many publishes may be in flight at once.
    public func publish(
        exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = false
    ) async throws -> AMQPPublishOutcome {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AMQPPublishOutcome, any Error>) in
            let id = self.id
            address.mailbox.submit(
                LoopCommand(
                    run: { core in
                        switch core.channel(id) {
                        case .failure(let error): continuation.resume(throwing: error)
                        case .success(let channel):
                            core.publish(
                                on: channel, exchange: exchange, routingKey: routingKey, body: body, properties: properties,
                                mandatory: mandatory, continuation: continuation)
                        }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    /// Starts a consumer on `queue`; deliveries arrive through the returned sequence until it is
    /// cancelled, the channel closes, or the connection dies (then the sequence throws). With a
    /// `bodyLimit`, larger bodies are never assembled: such deliveries are rejected without requeue
    /// (dead-lettered by the queue's dead-letter exchange) and reported to the limit's `onRefused`.
    public func consume(
        queue: String, consumerTag: String? = nil, exclusive: Bool = false, arguments: AMQPTable = [:],
        bodyLimit: AMQPBodyLimit? = nil
    ) async throws -> AMQPConsumer {
        let tag = consumerTag ?? ConsumerTag.next()
        let (stream, continuation) = AsyncThrowingStream<AMQPDelivery, any Error>.makeStream()
        try await address.perform { core, channel, done in
            channel.consumers[tag] = ConsumerState(continuation: continuation, bodyLimit: bodyLimit)
            let arena = CArena()
            var consume = amqp_basic_consume_t(
                ticket: 0, queue: arena.string(queue), consumer_tag: arena.string(tag), no_local: 0, no_ack: 0,
                exclusive: exclusive ? 1 : 0, nowait: 0, arguments: arena.table(arguments))
            core.sendRPC(on: channel, method: AMQPMethodID.basicConsume, &consume, expecting: [AMQPMethodID.basicConsumeOk]) {
                result in
                if case .failure(let error) = result { continuation.finish(throwing: error) }
                withExtendedLifetime(arena) { done(result.map { _ in () }) }
            }
        }
        let address = self.address
        continuation.onTermination = { termination in
            // The iterating task was cancelled: tell the broker without waiting for its answer.
            guard case .cancelled = termination else { return }
            address.mailbox.submit(
                LoopCommand(
                    run: { core in
                        guard case .success(let channel) = core.channel(address.id) else { return }
                        Self.sendCancel(tag, on: channel, core: core) { _ in }
                    },
                    fail: { _ in }))
        }
        return AMQPConsumer(tag: tag, channel: self, stream: stream)
    }

    /// Cancels a consumer; its sequence ends. Deliveries still in flight to it are requeued.
    public func cancel(consumerTag: String) async throws {
        try await address.perform { core, channel, done in
            Self.sendCancel(consumerTag, on: channel, core: core) { done($0.map { _ in () }) }
        }
    }

    /// Sends `basic.cancel` for `tag` (on the connection thread); once the broker answers, the
    /// consumer is forgotten and its sequence finished, then `complete` runs.
    private static func sendCancel(
        _ tag: String, on channel: ChannelState, core: ConnectionCore, complete: @escaping (Result<RPCReply, AMQPError>) -> Void
    ) {
        let arena = CArena()
        var cancel = amqp_basic_cancel_t(consumer_tag: arena.string(tag), nowait: 0)
        core.sendRPC(on: channel, method: AMQPMethodID.basicCancel, &cancel, expecting: [AMQPMethodID.basicCancelOk]) { result in
            channel.consumers.removeValue(forKey: tag)?.continuation.finish()
            withExtendedLifetime(arena) { complete(result) }
        }
    }

    /// Fetches one message with `basic.get`; `nil` when the queue is empty.
    public func get(queue: String) async throws -> AMQPGetMessage? {
        let reply = try await rpc(AMQPMethodID.basicGet, expecting: [AMQPMethodID.basicGetOk, AMQPMethodID.basicGetEmpty]) {
            arena in
            amqp_basic_get_t(ticket: 0, queue: arena.string(queue), no_ack: 0)
        }
        guard case .getMessage(let message) = reply else { return nil }
        return message
    }

    /// Closes the channel; unacknowledged deliveries on it go back to their queues. Acks already
    /// requested leave before the close, so they are not requeued; later ones are dropped.
    public func close() async throws {
        try await address.perform { core, channel, done in
            channel.closing = true
            var close = amqp_channel_close_t(
                reply_code: 200, reply_text: amqp_bytes_t(len: 0, bytes: nil), class_id: 0, method_id: 0)
            core.sendRPC(on: channel, method: AMQPMethodID.channelClose, &close, expecting: [AMQPMethodID.channelCloseOk]) {
                result in
                core.channels[channel.id] = nil
                let closed = AMQPError(.channelClosed, message: "channel \(channel.id) was closed by this client")
                core.closedChannels[channel.id] = closed
                channel.fail(with: closed)
                done(result.map { _ in () })
            }
        }
    }
}

/// Unique consumer tags for this process.
enum ConsumerTag {
    private static let counter = Atomic<Int>(0)

    static func next() -> String {
        let number = counter.wrappingAdd(1, ordering: .relaxed).newValue
        return "hipcall-sync.\(getpid()).\(number)"
    }
}
