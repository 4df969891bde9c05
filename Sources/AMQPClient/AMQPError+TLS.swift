import CRabbitMQ
import Foundation

extension AMQPError {
    /// Why an `amqps://` connection could not be set up, in the terms an operator fixes it in.
    public enum TLSFailure: Sendable, Equatable {
        /// The broker's certificate does not chain to a CA in `cacertfile` (or is expired, or none was sent).
        case peerNotVerified
        /// The broker's certificate is valid but does not name the host connected to.
        case hostnameMismatch
        /// The TLS handshake failed: not a TLS listener, no common protocol version, or the broker
        /// refused (or required) a client certificate.
        case handshakeFailed
        /// A CA, certificate or key file named in the URL cannot be read or is not a usable PEM file.
        case unusableFile(path: String)
        /// Another OpenSSL failure.
        case other
    }

    /// The error for a TLS status librabbitmq returned while connecting to `host:port`, or `nil`
    /// when `status` is not one of its TLS statuses.
    static func tls(status: Int32, host: String, port: Int) -> AMQPError? {
        let failure: TLSFailure
        let explanation: String
        switch status {
        case AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue:
            failure = .peerNotVerified
            explanation = "the broker's certificate could not be verified against the CA file (cacertfile): wrong CA, expired, or not sent"
        case AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue:
            failure = .hostnameMismatch
            explanation = "the host name '\(host)' does not match the broker's certificate; connect by a name the certificate lists"
        case AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue:
            failure = .handshakeFailed
            explanation = "the TLS handshake failed: is the port a TLS listener, and does the broker accept (or require) this client's certificate?"
        case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_SET_ENGINE_FAILED.rawValue:
            failure = .other
            explanation = String(cString: amqp_error_string2(status))
        default:
            return nil
        }
        return AMQPError(
            .tls(failure), message: "TLS connection to \(host):\(port) failed: \(explanation)", libraryStatus: status)
    }

    /// Fails with ``TLSFailure/unusableFile(path:)`` naming `path` and the system's reason when
    /// `path` cannot be opened for reading; `role` says which file it is ("CA file", "client key", ...).
    static func requireReadable(_ path: String, role: String) throws(AMQPError) {
        guard access(path, R_OK) == 0 else {
            let reason = String(cString: strerror(errno))
            throw AMQPError(.tls(.unusableFile(path: path)), message: "cannot read the TLS \(role) \(path): \(reason)")
        }
    }
}
