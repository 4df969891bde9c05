import AMQPClient
import Foundation

/// The test broker's TLS listener and the throwaway certificates `ops/lib/tls.sh` made for it.
/// `ops/test` exports `HIPCALL_TLS_URL` (an `amqps://` URL by `localhost`, without options),
/// `HIPCALL_TLS_DIR` and `HIPCALL_TLS_CLIENT_SUBJECT` only when the broker it started has that
/// listener; without them ``current`` is `nil` and the TLS tests are skipped.
public struct TLSTestBroker: Sendable {
    /// The listener's address, as `amqps://user:password@localhost:port/%2F`.
    public let baseURL: AMQPConfiguration
    /// The directory holding `ca.pem`, `other-ca.pem`, `client.pem` and `client.key`.
    public let directory: String
    /// The common name in the client certificate's subject.
    public let clientSubject: String

    /// The TLS listener from the environment, or `nil` when there is none to test against.
    public static var current: TLSTestBroker? {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["HIPCALL_TLS_URL"], let directory = environment["HIPCALL_TLS_DIR"],
            let subject = environment["HIPCALL_TLS_CLIENT_SUBJECT"], let configuration = try? AMQPConfiguration(url: url)
        else { return nil }
        return TLSTestBroker(baseURL: configuration, directory: directory, clientSubject: subject)
    }

    /// The path of one of the certificate files (`ca.pem`, `other-ca.pem`, `client.pem`, `client.key`).
    public func file(_ name: String) -> String {
        directory + "/" + name
    }

    /// An `amqps://` URL to the listener by `host` with the query `options` (in order), values percent-encoded.
    public func url(host: String = "localhost", _ options: [(key: String, value: String)]) -> String {
        let query = options.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)"
        }
        return "amqps://\(baseURL.user):\(baseURL.password)@\(host):\(baseURL.port)/%2F?" + query.joined(separator: "&")
    }
}
