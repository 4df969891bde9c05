@testable import AMQPClient
import TestSupport
import Testing

@Suite("AMQP recovery", .serialized)
struct RecoveryTests {
    /// The broker closes the consuming connection halfway; the test reconnects the way the worker
    /// does (a new `AMQPConnection`, channel, qos and consume after the stream fails) and every
    /// message is acked, those unacked at the drop coming back flagged `redelivered`.
    @Test("the broker drops the connection mid-consumption; a reconnect resumes and every message is acked")
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
        let backoff = Backoff(initial: .milliseconds(50), maximum: .milliseconds(500))
        var acked: [String: Int] = [:]
        var redeliveredAfterAck = 0
        var droppedConnections = false
        var sessions = 0
        var failedConnects = 0
        while acked.count < total, sessions < 20 {
            let consuming: AMQPConnection
            do {
                consuming = try await AMQPConnection.connect(configuration)
            } catch {
                try await Task.sleep(for: backoff.delay(attempt: failedConnects))
                failedConnects += 1
                continue
            }
            sessions += 1
            do {
                let channel = try await consuming.openChannel()
                try await channel.qos(prefetchCount: 20)
                for try await delivery in try await channel.consume(queue: queue) {
                    let id = String(decoding: delivery.body, as: UTF8.self)
                    if acked[id] != nil { redeliveredAfterAck += delivery.redelivered ? 1 : 100 }
                    if acked.count == total / 2 && !droppedConnections {
                        droppedConnections = true
                        let name = configuration.connectionName!
                        #expect(try await offThePool { try TestBroker.closeConnections(named: name) } == 1)
                    }
                    do {
                        try delivery.ack()
                        acked[id, default: 0] += 1
                    } catch {
                        // The ack raced the drop; the broker redelivers this message.
                    }
                    if acked.count == total { break }
                }
            } catch {
                // The broker closed the connection: reconnect, as SyncWorker.run does.
            }
            await consuming.close()
        }
        #expect(droppedConnections)
        #expect(sessions >= 2, "the drop ended the first session and a second one resumed")
        #expect(acked.count == total)
        #expect(redeliveredAfterAck < 100, "a message was delivered again without the redelivered flag")
        let cleanup = try await TestBroker.connect()
        let info = try await cleanup.openChannel().declareQueue(queue, durable: true, passive: true)
        #expect(info.messageCount == 0)
        _ = try await cleanup.openChannel().deleteQueue(queue)
        await cleanup.close()
    }
}
