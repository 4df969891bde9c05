import AMQPClient
import Testing

@Suite("AMQP recovery", .serialized)
struct RecoveryTests {
    @Test("the broker drops every connection mid-consumption; the consumer resumes and every message is acked")
    func resumesAfterConnectionsClosed() async throws {
        let queue = TestBroker.uniqueName("recovery")
        let total = 400
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        try await channel.declareQueue(queue, durable: true)
        for index in 0..<total {
            _ = try await channel.publish(
                exchange: "", routingKey: queue, body: Array("\(index)".utf8), properties: AMQPProperties(persistent: true))
        }
        await connection.close()

        var configuration = try TestBroker.configuration
        configuration.connectionName = TestBroker.uniqueName("recovering-consumer")
        let consumer = AMQPReconnectingConsumer(
            configuration: configuration, queue: queue, prefetchCount: 20,
            backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)))
        var acked: [String: Int] = [:]
        var redeliveredAfterAck = 0
        var droppedConnections = false
        for try await delivery in consumer {
            let id = String(decoding: delivery.body, as: UTF8.self)
            if acked[id] != nil { redeliveredAfterAck += delivery.redelivered ? 1 : 100 }
            if acked.count == total / 2 && !droppedConnections {
                droppedConnections = true
                #expect(try TestBroker.closeConnections(named: configuration.connectionName!) == 1)
            }
            do {
                try delivery.ack()
                acked[id, default: 0] += 1
            } catch {
                // The ack raced the drop; the broker redelivers this message.
            }
            try await Task.sleep(for: .milliseconds(1))
            if acked.count == total { break }
        }
        #expect(droppedConnections)
        #expect(acked.count == total)
        #expect(redeliveredAfterAck < 100, "a message was delivered again without the redelivered flag")
        let cleanup = try await TestBroker.connect()
        let info = try await cleanup.openChannel().declareQueue(queue, durable: true, passive: true)
        #expect(info.messageCount == 0)
        _ = try await cleanup.openChannel().deleteQueue(queue)
        await cleanup.close()
    }
}
