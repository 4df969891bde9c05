import AMQPClient
import Foundation

/// The real RabbitMQ the tests talk to (started by `ops/test`), and helpers around it.
public enum TestBroker {
    /// `AMQP_URL`, or the test broker's default address.
    public static var url: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
    }

    /// `url` parsed.
    public static var configuration: AMQPConfiguration {
        get throws { try AMQPConfiguration(url: url) }
    }

    /// A new connection to the test broker.
    public static func connect() async throws -> AMQPConnection {
        try await AMQPConnection.connect(configuration)
    }

    /// Eight lower-case hex characters no other test uses, to keep broker objects apart.
    public static func uniqueID() -> String {
        UUID().uuidString.prefix(8).lowercased()
    }

    /// A queue name no other test uses: `test.<prefix>.<unique id>`.
    public static func uniqueName(_ prefix: String) -> String {
        "test.\(prefix).\(uniqueID())"
    }

    /// Where `rabbitmqctl` is installed; it reaches the node named by `RABBITMQ_NODENAME`.
    public static let rabbitmqctlPath = "/usr/sbin/rabbitmqctl"

    /// Runs `rabbitmqctl -q` with `arguments` against the test broker; returns its exit status and output.
    public static func rabbitmqctl(_ arguments: String...) throws -> (status: Int32, output: String) {
        try rabbitmqctl(arguments)
    }

    /// Runs `rabbitmqctl -q` with `arguments` against the test broker; returns its exit status and output.
    /// Blocks for a second or more (an Erlang VM starts): async tests call it through ``offThePool(_:)``.
    public static func rabbitmqctl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: rabbitmqctlPath)
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
    public static func closeConnections(named name: String) throws -> Int {
        let listing = try rabbitmqctl("list_connections", "pid", "client_properties").output
        var closed = 0
        for line in listing.split(separator: "\n") where line.contains(name) {
            guard let pid = line.split(separator: "\t").first else { continue }
            if try rabbitmqctl("close_connection", String(pid), "test: broker drops the connection").status == 0 { closed += 1 }
        }
        return closed
    }
}
