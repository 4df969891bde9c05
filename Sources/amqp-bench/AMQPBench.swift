import AMQPClient
import Foundation

/// `amqp-bench HOST PORT QUEUE COUNT`: publishes COUNT small messages with confirms (1,000 in
/// flight), then consumes and acks them (prefetch 1,000) through AMQPClient; prints both rates.
/// `ops/bench-amqp` runs it beside a C program doing the same with librabbitmq directly.
@main
enum AMQPBench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 5, let port = Int(arguments[2]), let count = Int(arguments[4]) else {
            FileHandle.standardError.write(Data("usage: amqp-bench HOST PORT QUEUE COUNT\n".utf8))
            exit(2)
        }
        let (publishRate, consumeRate) = try await measure(host: arguments[1], port: port, queue: arguments[3], count: count)
        print(String(format: "%.0f %.0f", publishRate, consumeRate))
    }

    /// Runs both phases off the main actor, as a worker's tasks run, and returns messages per second.
    nonisolated private static func measure(host: String, port: Int, queue: String, count: Int) async throws -> (Double, Double) {
        let connection = try await AMQPConnection.connect(AMQPConfiguration(host: host, port: port))
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        try await channel.enableConfirms()

        let window = 1000
        var start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= window { try await group.next() }
                group.addTask {
                    _ = try await channel.publish(exchange: "", routingKey: queue, body: Array("message \(index)".utf8))
                }
            }
            try await group.waitForAll()
        }
        let publishSeconds = seconds(since: start)

        try await channel.qos(prefetchCount: 1000)
        start = ContinuousClock.now
        var received = 0
        for try await delivery in try await channel.consume(queue: queue) {
            try delivery.ack()
            received += 1
            if received == count { break }
        }
        let consumeSeconds = seconds(since: start)
        await connection.close()
        return (Double(count) / publishSeconds, Double(count) / consumeSeconds)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
