import AMQPClient
import TestSupport
import Testing

@Suite("AMQP connection errors")
struct ConnectionErrorTests {
    @Test("a refused connection is a typed connectionFailed naming host and port")
    func refused() async throws {
        var configuration = AMQPConfiguration(host: "127.0.0.1", port: 1)
        configuration.connectTimeout = .seconds(2)
        await #expect {
            _ = try await AMQPConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.kind == .connectionFailed && error.message.contains("127.0.0.1:1") && error.isConnectionLevel
        }
    }

    @Test("bad credentials are a typed authenticationFailed naming the user, never the password")
    func badCredentials() async throws {
        var configuration = try TestBroker.configuration
        configuration.user = "nobody-\(Int.random(in: 1000...9999))"
        configuration.password = "wrong-password"
        await #expect {
            _ = try await AMQPConnection.connect(configuration)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.kind == .authenticationFailed && error.message.contains(configuration.user)
                && !error.description.contains("wrong-password")
        }
    }

    @Test("a missing queue closes only the channel, with the broker's 404")
    func channelLevelError() async throws {
        let connection = try await TestBroker.connect()
        defer { Task { await connection.close() } }
        let channel = try await connection.openChannel()
        await #expect {
            try await channel.declareQueue(TestBroker.uniqueName("missing"), passive: true)
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.kind == .channelClosedByServer && error.replyCode == 404 && !error.isConnectionLevel
        }
        await #expect(throws: AMQPError.self) { try await channel.qos(prefetchCount: 1) }
        let other = try await connection.openChannel()
        try await other.qos(prefetchCount: 1)
    }
}
