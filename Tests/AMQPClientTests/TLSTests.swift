@testable import AMQPClient
import Foundation
import TestSupport
import Testing

/// `amqps://` against the test broker's real TLS listener (started by `ops/test` with throwaway
/// certificates from `ops/lib/tls.sh`; the server certificate names `localhost` only).
@Suite(
    "TLS against the broker's TLS listener",
    .enabled(if: TLSTestBroker.current != nil, "no TLS listener: ops/test starts one only with a broker of its own"))
struct TLSTests {
    let broker: TLSTestBroker

    init() throws {
        broker = try #require(TLSTestBroker.current)
    }

    /// Connects to `url`, expecting an ``AMQPError``; returns it.
    func connectionError(_ url: String) async throws -> AMQPError {
        var configuration = try AMQPConfiguration(url: url)
        configuration.connectTimeout = .seconds(5)
        do {
            let connection = try await AMQPConnection.connect(configuration)
            await connection.close()
        } catch let error as AMQPError {
            return error
        }
        Issue.record("\(url) connected; expected a TLS failure")
        return AMQPError(.connectionFailed, message: "connected")
    }

    @Test("amqps with verify_peer connects by localhost, declares, publishes with a confirm and consumes")
    func roundTrip() async throws {
        let connection = try await AMQPConnection.connect(
            url: broker.url([("cacertfile", broker.file("ca.pem")), ("verify", "verify_peer")]))
        let channel = try await connection.openChannel()
        try await channel.enableConfirms()
        let queue = TestBroker.uniqueName("tls")
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        let body = Array("over TLS".utf8)
        #expect(try await channel.publish(exchange: "", routingKey: queue, body: body) == .confirmed)
        var deliveries = try await channel.consume(queue: queue).makeAsyncIterator()
        let delivery = try #require(try await deliveries.next())
        #expect(delivery.body == body)
        try delivery.ack()
        await connection.close()
    }

    @Test("a CA that did not sign the broker's certificate fails as peerNotVerified, saying so")
    func wrongCA() async throws {
        let error = try await connectionError(
            broker.url([("cacertfile", broker.file("other-ca.pem")), ("verify", "verify_peer")]))
        #expect(error.kind == .tls(.peerNotVerified), "\(error)")
        #expect(error.message.contains("could not be verified"), "\(error)")
        #expect(error.isConnectionLevel)
    }

    @Test("a host name the certificate does not list (127.0.0.1) fails as hostnameMismatch naming the host")
    func wrongHost() async throws {
        let error = try await connectionError(
            broker.url(host: "127.0.0.1", [("cacertfile", broker.file("ca.pem")), ("verify", "verify_peer")]))
        #expect(error.kind == .tls(.hostnameMismatch), "\(error)")
        #expect(error.message.contains("'127.0.0.1' does not match"), "\(error)")
    }

    @Test("verify_none connects by a host name the certificate does not list, and with an untrusted CA")
    func verifyNone() async throws {
        for url in [
            broker.url(host: "127.0.0.1", [("cacertfile", broker.file("ca.pem")), ("verify", "verify_none")]),
            broker.url([("cacertfile", broker.file("other-ca.pem")), ("verify", "verify_none")]),
        ] {
            let connection = try await AMQPConnection.connect(url: url)
            await connection.close()
        }
    }

    @Test("a missing CA file fails as unusableFile naming the file, before any connection")
    func missingCAFile() async throws {
        let missing = broker.file("no-such-ca.pem")
        let error = try await connectionError(broker.url([("cacertfile", missing), ("verify", "verify_peer")]))
        #expect(error.kind == .tls(.unusableFile(path: missing)), "\(error)")
        #expect(error.message.contains(missing) && error.message.contains("No such file"), "\(error)")
    }

    @Test("a CA file that is not PEM fails as unusableFile naming the file")
    func garbageCAFile() async throws {
        let garbage = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-ca-\(TestBroker.uniqueID()).pem").path
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: garbage))
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        let error = try await connectionError(broker.url([("cacertfile", garbage), ("verify", "verify_peer")]))
        #expect(error.kind == .tls(.unusableFile(path: garbage)), "\(error)")
        #expect(error.message.contains(garbage), "\(error)")
    }

    @Test("a client key that does not match its certificate fails as unusableFile naming both, never their contents")
    func mismatchedClientKey() async throws {
        let key = broker.file("ca.key")
        let error = try await connectionError(
            broker.url([
                ("cacertfile", broker.file("ca.pem")), ("certfile", broker.file("client.pem")), ("keyfile", key),
            ]))
        #expect(error.kind == .tls(.unusableFile(path: broker.file("client.pem"))), "\(error)")
        #expect(error.message.contains(key), "\(error)")
        #expect(!error.description.contains("PRIVATE KEY"), "\(error)")
    }

    @Test("a plain AMQP port spoken to with amqps fails as handshakeFailed")
    func plainPort() async throws {
        let plain = try TestBroker.configuration
        let error = try await connectionError(
            "amqps://guest:guest@localhost:\(plain.port)/%2F?cacertfile=\(broker.file("ca.pem"))")
        #expect(error.kind == .tls(.handshakeFailed), "\(error)")
        #expect(error.message.contains("TLS handshake failed"), "\(error)")
    }

    @Test("certfile and keyfile present the client certificate: the broker shows its subject, and none without them")
    func clientCertificate() async throws {
        let withCertificate = "tls-client-cert-\(TestBroker.uniqueID())"
        let without = "tls-no-client-cert-\(TestBroker.uniqueID())"
        var presenting = try AMQPConfiguration(
            url: broker.url([
                ("cacertfile", broker.file("ca.pem")), ("certfile", broker.file("client.pem")),
                ("keyfile", broker.file("client.key")), ("verify", "verify_peer"),
            ]))
        presenting.connectionName = withCertificate
        var anonymous = try AMQPConfiguration(url: broker.url([("cacertfile", broker.file("ca.pem")), ("verify", "verify_peer")]))
        anonymous.connectionName = without
        let first = try await AMQPConnection.connect(presenting)
        let second = try await AMQPConnection.connect(anonymous)

        func subject(of name: String) async throws -> String? {
            let listing = try await offThePool {
                try TestBroker.rabbitmqctl("list_connections", "client_properties", "peer_cert_subject").output
            }
            return listing.split(separator: "\n").first { $0.contains(name) }?.split(separator: "\t").last.map(String.init)
        }
        #expect(try await eventually { try await subject(of: withCertificate) != nil })
        #expect(try await subject(of: withCertificate)?.contains("CN=\(broker.clientSubject)") == true)
        #expect(try await subject(of: without)?.contains(broker.clientSubject) == false)
        await first.close()
        await second.close()
    }
}
