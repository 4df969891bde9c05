import CRabbitMQ

/// A failure of the AMQP client, typed so that callers can tell what broke and whether the
/// whole connection or only one channel is gone.
public struct AMQPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Equatable {
        /// The connection URL is not valid; `part` names the offending part (scheme, host, port, vhost, ...).
        case invalidURL(part: String)
        /// The TCP (or TLS) connection could not be established.
        case connectionFailed
        /// The TLS connection could not be set up; the failure says why (see ``AMQPError/TLSFailure``).
        case tls(AMQPError.TLSFailure)
        /// The broker refused the credentials.
        case authenticationFailed
        /// librabbitmq reported an error status (socket, timeout, heartbeat, protocol).
        case library
        /// The broker closed the connection with a reply code and text.
        case connectionClosedByServer
        /// The broker closed one channel with a reply code and text (for example a 404 on a missing queue).
        case channelClosedByServer
        /// The connection was closed by this client or already died; the operation cannot run.
        case connectionClosed
        /// The channel was closed earlier; the operation cannot run on it.
        case channelClosed
        /// The broker negatively acknowledged a published message.
        case publishNacked
        /// A mandatory publish that no queue took came back from the broker.
        case returned
        /// The consumer was cancelled by the broker (for example its queue was deleted).
        case consumerCancelled
        /// A fetched message's body is larger than this client assembles; the message was requeued.
        case bodyTooLarge
        /// The broker did not confirm a publish within the bound; the connection was dropped.
        case confirmTimedOut
        /// This client dropped the connection from outside its thread (a bounded close, a confirm
        /// that did not come, a cancelled wait).
        case aborted
    }

    /// What kind of failure this is.
    public var kind: Kind
    /// librabbitmq's status code, when the library reported the failure.
    var libraryStatus: Int32?
    /// The AMQP reply code sent by the broker (404, 406, 320, 403, ...), when the broker closed something.
    public var replyCode: UInt16?
    /// Human-readable detail: the broker's reply text, librabbitmq's error string, or the reason a URL part is bad.
    public var message: String

    public init(_ kind: Kind, message: String, libraryStatus: Int32? = nil, replyCode: UInt16? = nil) {
        self.kind = kind
        self.message = message
        self.libraryStatus = libraryStatus
        self.replyCode = replyCode
    }

    /// Whether the whole connection is gone (as opposed to one channel or one message).
    public var isConnectionLevel: Bool {
        switch kind {
        case .connectionFailed, .tls, .authenticationFailed, .library, .connectionClosedByServer, .connectionClosed,
            .confirmTimedOut, .aborted:
            return true
        case .invalidURL, .channelClosedByServer, .channelClosed, .publishNacked, .returned, .consumerCancelled, .bodyTooLarge:
            return false
        }
    }

    public var description: String {
        var text = "AMQP \(kind)"
        if let replyCode { text += " (reply \(replyCode))" }
        if let libraryStatus { text += " (librabbitmq status \(libraryStatus))" }
        return text + ": " + message
    }

    /// An error from a librabbitmq status code, with the library's own explanation.
    static func library(_ status: Int32, context: String) -> AMQPError {
        let reason = String(cString: amqp_error_string2(status))
        return AMQPError(.library, message: "\(context): \(reason)", libraryStatus: status)
    }

    /// An error from an RPC reply (login, close) that did not succeed.
    static func from(reply: amqp_rpc_reply_t, context: String) -> AMQPError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return .library(reply.library_error, context: context)
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == AMQPMethodID.connectionClose, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                return AMQPError(
                    .connectionClosedByServer, message: "\(context): \(String(amqpBytes: close.reply_text))",
                    replyCode: close.reply_code)
            }
            if reply.reply.id == AMQPMethodID.channelClose, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                return AMQPError(
                    .channelClosedByServer, message: "\(context): \(String(amqpBytes: close.reply_text))",
                    replyCode: close.reply_code)
            }
            return AMQPError(.library, message: "\(context): unexpected server reply \(reply.reply.id)")
        default:
            return AMQPError(.library, message: "\(context): no reply")
        }
    }
}
