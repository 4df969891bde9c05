/// Why a dead-letter operation could not run or could not handle one message.
public enum DeadLetterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The dead-letter queue does not exist (a wrong queue prefix, or the topology was never declared).
    case queueMissing(queue: String)
    /// No queue is bound for the message's routing key on the events exchange (the broker returned the mandatory publish).
    case unroutable(routingKey: String, exchange: String)

    public var description: String {
        switch self {
        case .queueMissing(let queue):
            "dead-letter queue '\(queue)' does not exist"
        case .unroutable(let routingKey, let exchange):
            "no queue is bound to exchange '\(exchange)' for routing key '\(routingKey)'; the broker returned the message"
        }
    }
}
