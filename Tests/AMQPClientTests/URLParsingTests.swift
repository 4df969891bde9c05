import AMQPClient
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
}
