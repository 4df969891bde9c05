import AMQPClient
import Foundation

/// The real RabbitMQ the tests talk to (started by `ops/test`), and helpers around it.
enum TestBroker {
    /// `AMQP_URL`, or the test broker's default address.
    static var url: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
    }

    static var configuration: AMQPConfiguration {
        get throws { try AMQPConfiguration(url: url) }
    }

    static func connect() async throws -> AMQPConnection {
        try await AMQPConnection.connect(configuration)
    }

    /// A queue name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8))"
    }

    /// Runs `rabbitmqctl` against the test broker's node and returns its exit status.
    @discardableResult
    static func rabbitmqctl(_ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-q"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Collects values from concurrent tasks.
actor Collector<Value: Sendable> {
    private(set) var values: [Value] = []

    func append(_ value: Value) { values.append(value) }
    var count: Int { values.count }
}

/// Waits until `condition` holds, polling, or gives up after `timeout`.
func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
