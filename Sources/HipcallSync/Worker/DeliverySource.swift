import AMQPClient

/// What a ``ConsumerSession`` asks of the place its deliveries come from: the shared work queue or
/// one partition queue. The session dispatches; the source decides what may be dispatched and what
/// the end of a subscription means.
protocol DeliverySource: Sendable {
    /// The partition queue the deliveries come from (its own retry queues take transient failures);
    /// nil for the shared work queue.
    var partition: Int? { get }

    /// Sees each delivery before it waits for a permit; false when it was dealt with here (a probe
    /// acked, a delivery of a partition that will not dispatch left unacked).
    func arrived(_ delivery: AMQPDelivery) async -> Bool

    /// Decides, once the delivery holds a permit, whether it is dispatched.
    func admit() -> Admission

    /// A dispatched delivery is settled.
    func settled() async

    /// What the end of the subscription means: its stream finished (`error` nil) or threw `error`.
    func end(after error: (any Error)?) -> SubscriptionEnd
}

/// A source's answer for a delivery holding a permit.
enum Admission: Sendable, Equatable {
    /// Hand it to the delivery handler.
    case dispatch
    /// Leave it unacked: closing the channel returns it to the queue ahead of later messages.
    case leave
    /// Give it back to the queue now (`basic.nack` with requeue).
    case requeue
}

/// Why a subscription ended, which decides what happens to its deliveries still in flight.
enum SubscriptionEnd {
    /// The connection or the consumer failed: in-flight work is cancelled (its acks could not reach
    /// the broker; the messages come back) and `error` ends the session.
    case failed(any Error)
    /// The broker cancelled the consumer: in-flight work is cancelled and the caller subscribes again.
    case cancelledByBroker
    /// Graceful shutdown: in-flight work may finish within the grace period, then is cancelled.
    case shutdown
    /// This worker ended it (a handover, a long pause): in-flight work finishes.
    case closed
}
