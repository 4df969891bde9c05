import CRabbitMQ

/// What a synchronous AMQP method answered, copied out of librabbitmq's memory.
enum RPCReply: Sendable {
    case ok
    case queueDeclared(AMQPQueueInfo)
    case messageCount(UInt32)
    case getEmpty
    case getMessage(AMQPGetMessage)
}

/// A synchronous method sent on a channel, waiting for one of its reply methods.
struct PendingRPC {
    let expected: [amqp_method_number_t]
    let deadline: ContinuousClock.Instant
    let complete: (Result<RPCReply, AMQPError>) -> Void
}

/// Content (header and body frames) being assembled after a method that carries it.
struct PendingContent {
    enum Target {
        case delivery(consumerTag: String, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
        case get(PendingRPC, deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String)
        case returned(replyCode: UInt16, replyText: String, exchange: String, routingKey: String)
    }

    /// What happens to the body frames once the content header announced the size.
    enum BodyHandling {
        /// Appended to `body`, for whoever waits for the message.
        case assemble
        /// Dropped as they arrive: the message was settled at its header (refused, or its
        /// consumer is gone), or its body is not needed (a returned publish).
        case discard
    }

    /// The largest body assembled for a target with no limit of its own (`basic.get`, a
    /// consumer without ``AMQPBodyLimit``): above RabbitMQ's own maximum message size (512 MiB).
    static let assemblyCeiling = 1 << 30

    let target: Target
    var properties = AMQPProperties()
    var headerSeen = false
    var handling = BodyHandling.assemble
    /// The body size the content header announced (a wire value: any UInt64).
    var bodySize: UInt64 = 0
    /// Body bytes received so far, assembled or dropped.
    var received: UInt64 = 0
    var body: [UInt8] = []

    /// Whether every announced body byte arrived.
    var isComplete: Bool { received >= bodySize }
}

/// A consumer on a channel: where its deliveries go, and the body size it takes.
struct ConsumerState {
    let continuation: AsyncThrowingStream<AMQPDelivery, any Error>.Continuation
    let bodyLimit: AMQPBodyLimit?
}

/// Everything the connection thread tracks for one open channel.
final class ChannelState {
    let id: UInt16
    var rpcs: [PendingRPC] = []
    var consumers: [String: ConsumerState] = [:]
    var content: PendingContent?
    var confirmsEnabled = false
    var nextPublishSequence: UInt64 = 1
    var lowestUnconfirmed: UInt64 = 1
    var pendingConfirms: [UInt64: CheckedContinuation<AMQPPublishOutcome, any Error>] = [:]
    /// Returned (unroutable) mandatory publishes by sequence number, reported when their confirm arrives.
    var returnedBySequence: [UInt64: (code: UInt16, text: String)] = [:]
    /// Settlement bookkeeping that lets queued acks go out as one cumulative ack.
    var acks = AckBatcher()
    /// Set once this client sent `channel.close`: the broker answers any later frame on the
    /// channel but `close-ok` with a connection error, so settlements are dropped (the close requeues).
    var closing = false

    init(id: UInt16) {
        self.id = id
    }

    /// Answers every waiter on this channel with `error` (the channel or connection died).
    func fail(with error: AMQPError) {
        for rpc in rpcs { rpc.complete(.failure(error)) }
        rpcs.removeAll()
        // A discarded fetch was answered at its header already.
        if case .get(let rpc, _, _, _, _) = content?.target, content?.handling == .assemble { rpc.complete(.failure(error)) }
        content = nil
        for consumer in consumers.values { consumer.continuation.finish(throwing: error) }
        consumers.removeAll()
        for continuation in pendingConfirms.values { continuation.resume(throwing: error) }
        pendingConfirms.removeAll()
    }

    /// Resolves confirms up to `tag` (or just `tag`) with the broker's ack or nack.
    func confirm(tag: UInt64, multiple: Bool, acked: Bool) {
        let sequences: [UInt64]
        if multiple {
            // Bounded by the publishes made: a tag from the wire could be anything up to UInt64.max.
            let upper = min(tag, nextPublishSequence &- 1)
            sequences = upper >= lowestUnconfirmed ? Array(lowestUnconfirmed...upper) : []
        } else {
            sequences = [tag]
        }
        for sequence in sequences {
            guard let continuation = pendingConfirms.removeValue(forKey: sequence) else { continue }
            if !acked {
                returnedBySequence[sequence] = nil
                continuation.resume(throwing: AMQPError(.publishNacked, message: "the broker nacked publish #\(sequence)"))
            } else if let returned = returnedBySequence.removeValue(forKey: sequence) {
                continuation.resume(returning: .returned(replyCode: returned.code, replyText: returned.text))
            } else {
                continuation.resume(returning: .confirmed)
            }
        }
        while lowestUnconfirmed < nextPublishSequence, pendingConfirms[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }
}
