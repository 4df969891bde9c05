import Logging

/// Deliveries from one queue that survive broker restarts and dropped connections: when the
/// connection or channel dies, the iterator reconnects with backoff, runs `setup` again
/// (declarations, qos) and resumes consuming. Deliveries that were not acked before the drop
/// are redelivered by the broker (flagged `redelivered`); acks for them on the dead channel fail.
public struct AMQPReconnectingConsumer: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery

    let configuration: AMQPConfiguration
    let queue: String
    let prefetchCount: UInt16
    let backoff: Backoff
    let logger: Logger
    let setup: @Sendable (AMQPChannel) async throws -> Void

    public init(
        configuration: AMQPConfiguration, queue: String, prefetchCount: UInt16, backoff: Backoff = Backoff(),
        logger: Logger = Logger(label: "amqp.consumer"), setup: @escaping @Sendable (AMQPChannel) async throws -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.queue = queue
        self.prefetchCount = prefetchCount
        self.backoff = backoff
        self.logger = logger
        self.setup = setup
    }

    public func makeAsyncIterator() -> Iterator {
        Iterator(consumer: self)
    }

    /// Pulls deliveries, reconnecting as needed; ends only when the task is cancelled.
    public struct Iterator: AsyncIteratorProtocol {
        let consumer: AMQPReconnectingConsumer
        private var connection: AMQPConnection?
        private var deliveries: AsyncThrowingStream<AMQPDelivery, any Error>.AsyncIterator?
        private var failures = 0

        init(consumer: AMQPReconnectingConsumer) {
            self.consumer = consumer
        }

        public mutating func next() async throws -> AMQPDelivery? {
            while !Task.isCancelled {
                if deliveries == nil {
                    do {
                        try await subscribe()
                        failures = 0
                    } catch {
                        try await pause(after: error)
                        continue
                    }
                }
                do {
                    if let delivery = try await deliveries?.next() { return delivery }
                    if Task.isCancelled { break }
                    throw AMQPError(.consumerCancelled, message: "the consumer on '\(consumer.queue)' ended")
                } catch {
                    deliveries = nil
                    if let connection { await connection.close() }
                    connection = nil
                    try await pause(after: error)
                }
            }
            if let connection { await connection.close() }
            return nil
        }

        private mutating func subscribe() async throws {
            let connection = try await AMQPConnection.connect(consumer.configuration, logger: consumer.logger)
            self.connection = connection
            let channel = try await connection.openChannel()
            try await consumer.setup(channel)
            try await channel.qos(prefetchCount: consumer.prefetchCount)
            deliveries = try await channel.consume(queue: consumer.queue).makeAsyncIterator()
            consumer.logger.info("consuming", metadata: ["queue": "\(consumer.queue)", "broker": "\(consumer.configuration)"])
        }

        private mutating func pause(after error: any Error) async throws {
            let delay = consumer.backoff.delay(attempt: failures)
            failures += 1
            consumer.logger.warning(
                "consumer lost its broker; retrying",
                metadata: ["queue": "\(consumer.queue)", "error": "\(error)", "retry_in": "\(delay)"])
            try await Task.sleep(for: delay)
        }
    }
}
