@testable import AMQPClient
import TestSupport
import Testing

@Suite("AMQP messaging against the real broker")
struct MessagingTests {
    @Test("a round trip keeps body, properties and headers intact")
    func roundTrip() async throws {
        let connection = try await TestBroker.connect()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel()
        let queue = TestBroker.uniqueName("roundtrip")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        let headers: AMQPTable = [
            "string": "café", "int": .int(-42), "big": .int(Int64.max), "flag": true, "double": .double(2.5),
            "bytes": .bytes([0, 1, 255]), "nested": .table(["inner": "value", "list": .array([1, "two", .table(["x": 3])])]),
            "stamp": .timestamp(1_700_000_000),
        ]
        var properties = AMQPProperties(
            contentType: "application/json", headers: headers, persistent: true, messageID: "evt-1", timestamp: 1_700_000_001,
            type: "company.changed")
        properties.correlationID = "corr"
        properties.appID = "tests"
        let body = Array("{\"hello\":\"wörld\"}".utf8) + [0, 255]
        let outcome = try await channel.publish(exchange: "", routingKey: queue, body: body, properties: properties)
        #expect(outcome == .sent)

        let message = try #require(try await fetch(channel, queue))
        #expect(message.delivery.body == body)
        #expect(message.delivery.properties == properties)
        #expect(message.delivery.routingKey == queue)
        try message.delivery.ack()
    }

    @Test("ack removes, nack with requeue redelivers, reject without requeue dead-letters with x-death")
    func settlements() async throws {
        let connection = try await TestBroker.connect()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel()
        let queue = TestBroker.uniqueName("settle")
        let deadExchange = TestBroker.uniqueName("dlx")
        let deadQueue = TestBroker.uniqueName("dlq")
        try await channel.declareExchange(deadExchange, type: "fanout", durable: false, autoDelete: true)
        try await channel.declareQueue(deadQueue, durable: false, autoDelete: false)
        try await channel.bindQueue(deadQueue, exchange: deadExchange, routingKey: "")
        try await channel.declareQueue(
            queue, durable: false, autoDelete: false, arguments: ["x-dead-letter-exchange": .string(deadExchange)])
        defer { Task { _ = try? await channel.deleteQueue(queue); _ = try? await channel.deleteQueue(deadQueue) } }

        for name in ["ack", "requeue", "reject"] {
            _ = try await channel.publish(exchange: "", routingKey: queue, body: Array(name.utf8))
        }
        let consumer = try await channel.consume(queue: queue)
        var seenRequeueTwice = false
        var iterator = consumer.makeAsyncIterator()
        var settled = 0
        while settled < 3, let delivery = try await iterator.next() {
            switch String(decoding: delivery.body, as: UTF8.self) {
            case "ack":
                try delivery.ack()
                settled += 1
            case "requeue" where !delivery.redelivered:
                try delivery.nack(requeue: true)
            case "requeue":
                seenRequeueTwice = true
                try delivery.ack()
                settled += 1
            default:
                try delivery.reject(requeue: false)
                settled += 1
            }
        }
        try await consumer.cancel()
        #expect(seenRequeueTwice)

        let dead = try #require(try await fetch(channel, deadQueue))
        #expect(dead.delivery.body == Array("reject".utf8))
        let deaths = AMQPDeathRecord.decode(from: dead.delivery.headers)
        #expect(deaths.first?.reason == "rejected")
        #expect(deaths.first?.queue == queue)
        #expect(deaths.first?.count == 1)
        try dead.delivery.ack()
        #expect(try await channel.declareQueue(queue, durable: false, passive: true).messageCount == 0)
    }

    @Test("prefetch is respected: never more unacked deliveries than basic.qos allows")
    func prefetch() async throws {
        let connection = try await TestBroker.connect()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel()
        let queue = TestBroker.uniqueName("prefetch")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        for index in 0..<50 {
            _ = try await channel.publish(exchange: "", routingKey: queue, body: Array("\(index)".utf8))
        }
        try await channel.qos(prefetchCount: 5)
        let consumer = try await channel.consume(queue: queue)
        let received = Collector<AMQPDelivery>()
        let reader = Task {
            for try await delivery in consumer { await received.append(delivery) }
        }
        #expect(try await eventually { await received.count == 5 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await received.count == 5)
        try await received.values[0].ack()
        #expect(try await eventually { await received.count == 6 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await received.count == 6)
        reader.cancel()
    }

    @Test("a confirm arrives for every publish, and an unroutable mandatory publish is returned")
    func confirms() async throws {
        let connection = try await TestBroker.connect()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        let queue = TestBroker.uniqueName("confirms")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        let outcomes = try await withThrowingTaskGroup(of: AMQPPublishOutcome.self) { group in
            for index in 0..<2000 {
                group.addTask {
                    try await channel.publish(
                        exchange: "", routingKey: queue, body: Array("\(index)".utf8), mandatory: index % 100 == 0)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 2000)
        #expect(outcomes.allSatisfy { $0 == .confirmed })
        #expect(try await channel.declareQueue(queue, durable: false, autoDelete: true, passive: true).messageCount == 2000)

        let returned = try await channel.publish(
            exchange: "amq.direct", routingKey: TestBroker.uniqueName("nowhere"), body: [1], mandatory: true)
        #expect(returned == .returned(replyCode: 312, replyText: "NO_ROUTE"))
        let dropped = try await channel.publish(exchange: "amq.direct", routingKey: TestBroker.uniqueName("nowhere"), body: [1])
        #expect(dropped == .confirmed)
    }

    /// Fetches one message, waiting briefly for it to arrive.
    private func fetch(_ channel: AMQPChannel, _ queue: String) async throws -> AMQPGetMessage? {
        for _ in 0..<100 {
            if let message = try await channel.get(queue: queue) { return message }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
