/// The deliveries of one consumer, as an `AsyncSequence`. It ends when the consumer is
/// cancelled, and throws an ``AMQPError`` when its channel or connection dies.
public struct AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery

    /// The consumer tag the broker knows this consumer by.
    let tag: String
    /// The channel the consumer runs on.
    let channel: AMQPChannel
    let stream: AsyncThrowingStream<AMQPDelivery, any Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<AMQPDelivery, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Cancels the consumer; the sequence then ends.
    public func cancel() async throws {
        try await channel.cancel(consumerTag: tag)
    }
}
