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

    /// Runs `rabbitmqctl` against the test broker's node; returns its exit status and output.
    static func rabbitmqctl(_ arguments: String...) throws -> (status: Int32, output: String) {
        try rabbitmqctl(arguments)
    }

    /// Runs `rabbitmqctl -q` with `arguments` against the test broker.
    static func rabbitmqctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-q"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    /// Has the broker close every connection whose client named itself `name` (and only those,
    /// so tests running in parallel are not disturbed); returns how many it closed.
    static func closeConnections(named name: String) throws -> Int {
        let listing = try rabbitmqctl("list_connections", "pid", "client_properties").output
        var closed = 0
        for line in listing.split(separator: "\n") where line.contains(name) {
            guard let pid = line.split(separator: "\t").first else { continue }
            if try rabbitmqctl("close_connection", String(pid), "test: broker drops the connection").status == 0 { closed += 1 }
        }
        return closed
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
