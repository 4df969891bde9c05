/// A message delivered to a consumer or fetched with `basic.get`, copied out of librabbitmq (a
/// class: a worker holds hundreds of deliveries in suspended tasks, whose frames then carry a pointer).
/// Settle it exactly once with ``ack()``, ``nack(requeue:)`` or ``reject(requeue:)``.
public final class AMQPDelivery: Sendable {
    let deliveryTag: UInt64
    /// Whether the broker delivered this message before (to this or another consumer) without an ack.
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: AMQPProperties
    public let body: [UInt8]
    let channel: ChannelAddress

    init(
        deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String, properties: AMQPProperties,
        body: [UInt8], channel: ChannelAddress
    ) {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
        self.channel = channel
    }

    /// The message's header table.
    public var headers: AMQPTable { properties.headers }

    /// Acknowledges the message: the broker forgets it. Queued to the connection thread without
    /// waiting (AMQP sends no reply to an ack); throws when the connection is already gone.
    public func ack() throws {
        try channel.settle(.ack(deliveryTag, multiple: false))
    }

    /// Negatively acknowledges it: requeued, or dead-lettered (or dropped) when `requeue` is false.
    public func nack(requeue: Bool) throws {
        try channel.settle(.nack(deliveryTag, multiple: false, requeue: requeue))
    }

    /// Rejects it: requeued, or dead-lettered (or dropped) when `requeue` is false.
    func reject(requeue: Bool) throws {
        try channel.settle(.reject(deliveryTag, requeue: requeue))
    }
}

/// A message fetched with `basic.get`.
public struct AMQPGetMessage: Sendable {
    /// The message, held unacked until it is settled.
    public let delivery: AMQPDelivery
}

/// What `queue.declare` reported about a queue.
public struct AMQPQueueInfo: Sendable, Equatable {
    let name: String
    public let messageCount: UInt32
    public let consumerCount: UInt32
}

/// How the broker answered a publish.
public enum AMQPPublishOutcome: Sendable, Equatable {
    /// Sent on a channel without publisher confirms: written to the socket, nothing more is known.
    case sent
    /// The broker confirmed it: it is routed and stored as durably as the queues promise.
    case confirmed
    /// A mandatory publish that no queue took; the broker returned it with this reply.
    case returned(replyCode: UInt16, replyText: String)
}
