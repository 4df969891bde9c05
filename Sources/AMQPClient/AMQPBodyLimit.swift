/// The largest message body a consumer takes. The connection decides at each delivery's content
/// header, which announces the body's size: a larger body is never assembled (its body frames
/// are dropped as they arrive) and the delivery is settled with `basic.reject(requeue: false)`,
/// so the broker dead-letters the original bytes through the queue's dead-letter exchange.
public struct AMQPBodyLimit: Sendable {
    /// The largest body accepted, in bytes.
    let maxBytes: Int
    /// Told about every refused delivery, on the connection's thread: keep it short (log, count).
    let onRefused: @Sendable (AMQPRefusedDelivery) -> Void

    public init(maxBytes: Int, onRefused: @escaping @Sendable (AMQPRefusedDelivery) -> Void) {
        self.maxBytes = maxBytes
        self.onRefused = onRefused
    }
}

/// A delivery that a consumer's ``AMQPBodyLimit`` refused: already rejected without requeue
/// when this value is handed out, so there is nothing to settle. Its body was never read.
public struct AMQPRefusedDelivery: Sendable {
    let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: AMQPProperties
    /// The body size the content header announced, in bytes.
    public let bodySize: UInt64
    /// The limit it exceeded, in bytes.
    public let limit: Int
}
