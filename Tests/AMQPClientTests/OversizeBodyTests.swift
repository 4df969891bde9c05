import AMQPClient
import Synchronization
import TestSupport
import Testing

@Suite("Bodies over a consumer's limit, against the real broker")
struct OversizeBodyTests {
    /// A queue whose rejected messages go to a dead-letter queue of their own, with both names.
    private struct DeadLetteringQueue {
        let queue: String
        let deadExchange: String
        let deadQueue: String

        static func declare(on channel: AMQPChannel, _ prefix: String) async throws -> DeadLetteringQueue {
            let names = DeadLetteringQueue(
                queue: TestBroker.uniqueName(prefix), deadExchange: TestBroker.uniqueName(prefix + "-dlx"),
                deadQueue: TestBroker.uniqueName(prefix + "-dlq"))
            try await channel.declareExchange(names.deadExchange, type: "fanout", durable: false, autoDelete: true)
            try await channel.declareQueue(names.deadQueue, durable: false, autoDelete: false)
            try await channel.bindQueue(names.deadQueue, exchange: names.deadExchange, routingKey: "")
            try await channel.declareQueue(
                names.queue, durable: false, autoDelete: false, arguments: ["x-dead-letter-exchange": .string(names.deadExchange)])
            return names
        }

        func delete(on channel: AMQPChannel) async throws {
            try await channel.deleteQueue(queue)
            try await channel.deleteQueue(deadQueue)
            try await channel.deleteExchange(deadExchange)
        }
    }

    /// Refusals reported by a body limit's callback (which runs on the connection thread).
    private final class Refusals: Sendable {
        private let values = Mutex<[AMQPRefusedDelivery]>([])

        func limit(_ maxBytes: Int) -> AMQPBodyLimit {
            AMQPBodyLimit(maxBytes: maxBytes) { refused in self.values.withLock { $0.append(refused) } }
        }

        var all: [AMQPRefusedDelivery] { values.withLock { $0 } }
    }

    /// `count` bytes that are not one repeated value, so a shifted or truncated copy would differ.
    private static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }
    }

    @Test("a body over the limit is rejected, not delivered, and dead-lettered byte for byte; the messages around it are delivered and their acks stay cumulative")
    func overLimitIsDeadLettered() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        let names = try await DeadLetteringQueue.declare(on: channel, "oversize")
        let big = Self.pattern(1_048_576 + 7)
        _ = try await channel.publish(exchange: "", routingKey: names.queue, body: Array("before".utf8))
        _ = try await channel.publish(
            exchange: "", routingKey: names.queue, body: big, properties: AMQPProperties(messageID: "too-big"))
        for index in 1...3 {
            _ = try await channel.publish(exchange: "", routingKey: names.queue, body: Array("after \(index)".utf8))
        }

        let consuming = try await connection.openChannel()
        let refusals = Refusals()
        let consumer = try await consuming.consume(queue: names.queue, bodyLimit: refusals.limit(65_536))
        var received: [String] = []
        var iterator = consumer.makeAsyncIterator()
        while received.count < 4, let delivery = try await iterator.next() {
            received.append(String(decoding: delivery.body, as: UTF8.self))
            try delivery.ack()
        }
        #expect(received == ["before", "after 1", "after 2", "after 3"])

        let refused = try #require(refusals.all.first)
        #expect(refusals.all.count == 1)
        #expect(refused.bodySize == UInt64(big.count))
        #expect(refused.limit == 65_536)
        #expect(refused.routingKey == names.queue)
        #expect(refused.properties.messageID == "too-big")

        let dead = try #require(try await fetch(channel, names.deadQueue))
        #expect(dead.delivery.body == big)
        #expect(dead.delivery.properties.messageID == "too-big")
        let death = try #require(AMQPDeathRecord.decode(from: dead.delivery.headers).first)
        #expect(death.reason == "rejected")
        #expect(death.queue == names.queue)
        try dead.delivery.ack()

        // A wrong cumulative ack (one naming the rejected tag, or covering nothing) would close the
        // consuming channel with a 406: a round trip on it must still work, and closing it must
        // return nothing to the queue.
        try await consumer.cancel()
        try await consuming.declareQueue(names.queue, passive: true)
        try await consuming.close()
        #expect(try await channel.declareQueue(names.queue, passive: true).messageCount == 0)
        try await names.delete(on: channel)
        await connection.close()
    }

    @Test("a body of exactly the limit is delivered; one byte more is refused")
    func limitIsInclusive() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        let names = try await DeadLetteringQueue.declare(on: channel, "atlimit")
        let limit = 200_000  // more than one frame (128 KiB), so the refused body spans several
        _ = try await channel.publish(exchange: "", routingKey: names.queue, body: Self.pattern(limit + 1))
        _ = try await channel.publish(exchange: "", routingKey: names.queue, body: Self.pattern(limit))
        _ = try await channel.publish(exchange: "", routingKey: names.queue, body: [])

        let consuming = try await connection.openChannel()
        let refusals = Refusals()
        let consumer = try await consuming.consume(queue: names.queue, bodyLimit: refusals.limit(limit))
        var sizes: [Int] = []
        var iterator = consumer.makeAsyncIterator()
        while sizes.count < 2, let delivery = try await iterator.next() {
            sizes.append(delivery.body.count)
            #expect(delivery.body == Self.pattern(delivery.body.count))
            try delivery.ack()
        }
        #expect(sizes == [limit, 0])
        #expect(refusals.all.map(\.bodySize) == [UInt64(limit + 1)])
        #expect(try await fetch(channel, names.deadQueue)?.delivery.body.count == limit + 1)
        try await consumer.cancel()
        try await names.delete(on: channel)
        await connection.close()
    }

    @Test("basic.get and a consumer without a limit still assemble a 30 MiB body whole")
    func largeBodiesWithoutLimit() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        let queue = TestBroker.uniqueName("large")
        try await channel.declareQueue(queue, durable: false, autoDelete: false)
        let big = Self.pattern(30 * 1_048_576)
        _ = try await channel.publish(exchange: "", routingKey: queue, body: big)
        _ = try await channel.publish(exchange: "", routingKey: queue, body: big)

        let fetched = try #require(try await fetch(channel, queue))
        #expect(fetched.delivery.body == big)
        try fetched.delivery.ack()
        let consumer = try await channel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        let delivered = try #require(try await iterator.next())
        #expect(delivered.body == big)
        try delivered.ack()
        try await consumer.cancel()
        try await channel.deleteQueue(queue)
        await connection.close()
    }

    @Test("a returned publish whose sequence header is negative (any publisher can set it) does not break the connection")
    func returnedWithHostileSequence() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        for value: AMQPFieldValue in [.int(-1), .int(Int64.max), .string("7"), .table(["x": 1])] {
            let outcome = try await channel.publish(
                exchange: "", routingKey: TestBroker.uniqueName("nowhere"), body: Array("x".utf8),
                properties: AMQPProperties(headers: ["x-amqp-publish-seq": value]), mandatory: true)
            #expect(outcome == .sent)
        }
        // The broker sends basic.return before its answer to a later method on the channel.
        let queue = TestBroker.uniqueName("after-return")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        #expect(try await channel.declareQueue(queue, passive: true).messageCount == 0)
        try await channel.deleteQueue(queue)
        await connection.close()
    }

    private func fetch(_ channel: AMQPChannel, _ queue: String) async throws -> AMQPGetMessage? {
        try await eventuallyValue { try await channel.get(queue: queue) }
    }
}

/// Polls `fetch` (up to 5 s) until it returns a value.
private func eventuallyValue<Value>(_ fetch: () async throws -> Value?) async throws -> Value? {
    let deadline = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < deadline {
        if let value = try await fetch() { return value }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await fetch()
}
