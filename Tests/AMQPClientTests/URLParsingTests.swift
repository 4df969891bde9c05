@testable import AMQPClient
import Foundation
import Testing

@Suite("AMQP URL parsing")
struct URLParsingTests {
    @Test("every part is percent-decoded, defaults fill the rest")
    func decodesParts() throws {
        let configuration = try AMQPConfiguration(url: "amqp://us%40er:p%3Ass@broker.example:5673/my%2Fvhost?heartbeat=15")
        #expect(configuration.user == "us@er")
        #expect(configuration.password == "p:ss")
        #expect(configuration.host == "broker.example")
        #expect(configuration.port == 5673)
        #expect(configuration.virtualHost == "my/vhost")
        #expect(configuration.heartbeatSeconds == 15)
        #expect(configuration.tls == nil)

        let defaults = try AMQPConfiguration(url: "amqps://host")
        #expect(defaults.port == 5671)
        #expect(defaults.user == "guest")
        #expect(defaults.virtualHost == "/")
        #expect(defaults.tls?.verifyPeer == true)
    }

    @Test("TLS options come from the query")
    func tlsOptions() throws {
        let configuration = try AMQPConfiguration(url: "amqps://h/?cacertfile=%2Fetc%2Fca.pem&verify=verify_none")
        #expect(configuration.tls?.caCertificateFile == "/etc/ca.pem")
        #expect(configuration.tls?.verifyPeer == false)
        let client = try AMQPConfiguration(url: "amqps://h/?certfile=%2Fc.pem&keyfile=%2Fc.key")
        #expect(client.tls?.clientCertificateFile == "/c.pem")
        #expect(client.tls?.clientKeyFile == "/c.key")
        #expect(client.tls?.verifyHostname == true)
    }

    @Test(
        "a bad URL names the part that is wrong",
        arguments: [
            ("http://host", "scheme"),
            ("host:5672", "scheme"),
            ("amqp://host:99999", "port"),
            ("amqp://host:abc", "port"),
            ("amqp://us%zzer@host", "user"),
            ("amqp://user:p%4@host", "password"),
            ("amqp://host/a/b", "vhost"),
            ("amqp://host/?heartbeat=soon", "heartbeat"),
            ("amqp://host/?bogus=1", "bogus"),
            ("amqp://host/?heartbeat=9999999999", "heartbeat"),
            ("amqp://host/?heartbeat=99999999999999999999999", "heartbeat"),
            ("amqp://host/?heartbeat=-1", "heartbeat"),
            ("amqp://host/?heartbeat=65536", "heartbeat"),
            ("amqp://host/?connection_timeout=1e300", "connection_timeout"),
            ("amqp://host/?connection_timeout=inf", "connection_timeout"),
            ("amqp://host/?connection_timeout=nan", "connection_timeout"),
            ("amqp://host/?connection_timeout=0", "connection_timeout"),
            ("amqp://host/?connection_timeout=-5", "connection_timeout"),
            ("amqp://host/?connection_timeout=3601", "connection_timeout"),
            ("amqp://host/?frame_max=1", "frame_max"),
            ("amqp://host/?frame_max=99999999999999999999", "frame_max"),
            ("amqp://host/?frame_max=2097152", "frame_max"),
            ("amqp://host/?cacertfile=%2Fca.pem", "cacertfile"),
            ("amqps://host/?certfile=%2Fclient.pem", "keyfile"),
            ("amqps://host/?keyfile=%2Fclient.key", "certfile"),
            ("amqp://host:0", "port"),
            ("amqp://host:-1", "port"),
            ("amqp://host:", "port"),
            ("amqp://[::1]x", "host"),
        ])
    func namesBadPart(url: String, part: String) {
        #expect {
            try AMQPConfiguration(url: url)
        } throws: { error in
            (error as? AMQPError)?.kind == .invalidURL(part: part)
        }
    }

    @Test("the description never shows the password")
    func redactsPassword() throws {
        let configuration = try AMQPConfiguration(url: "amqp://user:s3cret@host/")
        #expect(!configuration.description.contains("s3cret"))
    }

    @Test("bounded options in range are taken")
    func boundedOptions() throws {
        let configuration = try AMQPConfiguration(url: "amqp://host/?heartbeat=65535&connection_timeout=2.5&frame_max=4096")
        #expect(configuration.heartbeatSeconds == 65535)
        #expect(configuration.connectTimeout == .milliseconds(2500))
        #expect(configuration.frameMax == 4096)
    }

    /// Two halves of a distinctive password; a message holding either shows part of it.
    static let secretHalves = ["Zq7xW4", "K9pvR2"]

    @Test(
        "a bare '/', '?', '#' or '@' in the password is refused without echoing it",
        arguments: ["/", "?", "#", "@"], ["", ":5672", "/vhost", "/?heartbeat=5", ":5672/%2F?heartbeat=5"])
    func refusesBareReservedCharacter(character: String, tail: String) {
        let url = "amqp://user:\(Self.secretHalves[0])\(character)\(Self.secretHalves[1])@broker.example\(tail)"
        do {
            let configuration = try AMQPConfiguration(url: url)
            Issue.record("parsed \(url) as \(configuration)")
        } catch {
            #expect(error.kind == .invalidURL(part: "userinfo"), "\(url): \(error)")
            for half in Self.secretHalves {
                #expect(!error.description.contains(half), "\(url): \(error)")
            }
            #expect(error.message.contains("%2F, %3F, %23, %40"))
        }
    }

    @Test("the same characters percent-encoded are part of the password")
    func encodedReservedCharacters() throws {
        let configuration = try AMQPConfiguration(url: "amqp://user:Zq%2F%3F%23%40K9@broker.example/")
        #expect(configuration.password == "Zq/?#@K9")
        #expect(configuration.host == "broker.example")
        #expect(configuration.virtualHost == "")
    }

    @Test(
        "no error message and no description holds any part of the password",
        arguments: [
            "amqp://user:SECRET", "amqp://user:SECRET/vhost", "amqp://user:SECRET?heartbeat=5", "SECRET", "user:SECRET@host",
            "http://user:SECRET@host", "amqp://user:SECRET@host:99999", "amqp://user:SECRET@host:abc/", "amqp://user:SECRET@host/a/b",
            "amqp://user:SECRET@host/?heartbeat=x", "amqp://user:SECRET@host/?bogus=1", "amqp://user:SECRET@[::1",
            "amqp://user:SECRET@[::1]x", "amqp://user:SECRET%zz@host", "amqp://user:SECRET%FF@host", "amqp://us%zz:SECRET@host",
            "amqp://user:SECRET@ho%zzst", "amqp://user:SECRET@host/%zz", "amqp://user:SECRET@host/?verify=x",
            "amqps://user:SECRET@host/?verify=maybe", "amqp://user:SECRET@host/?cacertfile=x", "amqp://user:SECRET@host",
            "amqps://user:SECRET@[::1]:5671/v", "amqp://:SECRET@host",
        ])
    func neverEchoesThePassword(template: String) {
        let url = template.replacingOccurrences(of: "SECRET", with: Self.secretHalves.joined())
        var texts: [String] = []
        do {
            let configuration = try AMQPConfiguration(url: url)
            texts = [configuration.description, "\(configuration)"]
        } catch {
            texts = [error.description, error.message, "\(error.kind)"]
        }
        for text in texts {
            for half in Self.secretHalves { #expect(!text.contains(half), "\(url): \(text)") }
        }
    }
}
