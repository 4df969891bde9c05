/// One partition queue's life on this worker, as a value: each transition is a `mutating` function
/// that returns what the I/O layer (``PartitionSlot``) must do, so every rule is tested without a
/// broker. `Channel` is the subscription's channel and `Waiter` the consumer loop's suspended wait
/// for the balancer's decision (at most one: a partition has one consumer loop).
struct PartitionStateMachine<Channel, Waiter> {
    /// Why a partition stops dispatching.
    enum DrainReason: Sendable, Equatable {
        /// The balancer gives it to the next worker: the channel closes once nothing is in flight.
        case handover
        /// Graceful shutdown: the session closes every channel after the grace period.
        case shutdown
    }

    /// Where the partition is.
    enum State {
        /// Between subscriptions (before the first, or after one ended).
        case idle
        /// Subscribed, nothing delivered yet: another worker is the queue's single active consumer.
        case standby(Channel)
        /// A delivery arrived (the broker delivers only to the active consumer), so this worker holds
        /// the partition; it dispatches nothing until the balancer accepts it, so handing it on is instant.
        case won(Channel, waiter: Waiter?)
        /// Accepted by the balancer: its deliveries are dispatched; `inFlight` are not settled yet.
        case accepted(Channel, inFlight: Int)
        /// Dispatches nothing more; waits for its in-flight deliveries to settle.
        case draining(Channel, inFlight: Int, reason: DrainReason)
        /// This worker closed the channel on purpose (the broker requeues what was not settled, in
        /// order); `inFlight` deliveries still settle.
        case closing(inFlight: Int)
    }

    /// What the I/O layer does after a transition.
    enum Action {
        /// Nothing.
        case none
        /// Resume the consumer loop waiting for the balancer's decision with `mayDispatch`.
        case resume(Waiter, mayDispatch: Bool)
        /// Close `channel` (the broker returns the undispatched deliveries to the head of the queue and
        /// makes the next consumer active), after resuming the waiter, if any, with "may not dispatch".
        case close(Channel, resuming: Waiter?)
    }

    /// What a consumer loop waiting for the decision gets.
    enum Decision: Equatable {
        /// Decided: dispatch (true) or not (false).
        case decided(Bool)
        /// The waiter is kept; a later transition resumes it.
        case waiting
    }

    private(set) var state: State = .idle

    /// A new subscription on `channel` (the previous one has ended: nothing is in flight).
    mutating func subscribed(on channel: Channel) {
        state = .standby(channel)
    }

    /// A delivery (an event or a probe) arrived: this worker is the active consumer.
    mutating func delivered() {
        if case .standby(let channel) = state { state = .won(channel, waiter: nil) }
    }

    /// The consumer loop asks whether it may dispatch; while the balancer has not decided, `waiter` is kept.
    mutating func waitForDecision(_ waiter: Waiter) -> Decision {
        switch state {
        case .won(let channel, _):
            state = .won(channel, waiter: waiter)
            return .waiting
        case .accepted: return .decided(true)
        case .idle, .standby, .draining, .closing: return .decided(false)
        }
    }

    /// The waiting consumer loop's task was cancelled: returns its waiter, to resume with false.
    mutating func cancelWait() -> Waiter? {
        guard case .won(let channel, let waiter?) = state else { return nil }
        state = .won(channel, waiter: nil)
        return waiter
    }

    /// The balancer keeps a newly won partition: it dispatches from now on.
    mutating func accept() -> Action {
        guard case .won(let channel, let waiter) = state else { return .none }
        state = .accepted(channel, inFlight: 0)
        return waiter.map { .resume($0, mayDispatch: true) } ?? .none
    }

    /// Counts a delivery as dispatched; false unless accepted (draining, the delivery stays unacked
    /// and closing the channel returns it to the queue ahead of later messages).
    mutating func admit() -> Bool {
        guard case .accepted(let channel, let inFlight) = state else { return false }
        state = .accepted(channel, inFlight: inFlight + 1)
        return true
    }

    /// A dispatched delivery is settled; a handover closes the channel once none is left.
    mutating func settled() -> Action {
        switch state {
        case .accepted(let channel, let inFlight):
            state = .accepted(channel, inFlight: inFlight - 1)
        case .draining(let channel, let inFlight, .handover) where inFlight <= 1:
            state = .closing(inFlight: 0)
            return .close(channel, resuming: nil)
        case .draining(let channel, let inFlight, let reason):
            state = .draining(channel, inFlight: inFlight - 1, reason: reason)
        case .closing(let inFlight):
            state = .closing(inFlight: inFlight - 1)
        case .idle, .standby, .won:
            // Nothing was dispatched in these states.
            break
        }
        return .none
    }

    /// Stops dispatching for `reason`; nil when it was already draining or closing, or between
    /// subscriptions. A handover with nothing in flight closes at once.
    mutating func beginDraining(_ reason: DrainReason) -> Action? {
        let channel: Channel
        let inFlight: Int
        var waiter: Waiter?
        switch state {
        case .standby(let subscribed):
            (channel, inFlight) = (subscribed, 0)
        case .won(let subscribed, let waiting):
            (channel, inFlight, waiter) = (subscribed, 0, waiting)
        case .accepted(let subscribed, let dispatched):
            (channel, inFlight) = (subscribed, dispatched)
        case .idle, .draining, .closing:
            return nil
        }
        if reason == .handover, inFlight == 0 {
            state = .closing(inFlight: 0)
            return .close(channel, resuming: waiter)
        }
        state = .draining(channel, inFlight: inFlight, reason: reason)
        return waiter.map { .resume($0, mayDispatch: false) } ?? Action.none
    }

    /// This worker closes the subscription now (shutdown after the grace period, a long pause),
    /// whatever is in flight.
    mutating func close() -> Action {
        switch state {
        case .standby(let channel):
            state = .closing(inFlight: 0)
            return .close(channel, resuming: nil)
        case .won(let channel, let waiter):
            state = .closing(inFlight: 0)
            return .close(channel, resuming: waiter)
        case .accepted(let channel, let inFlight), .draining(let channel, let inFlight, _):
            state = .closing(inFlight: inFlight)
            return .close(channel, resuming: nil)
        case .idle, .closing:
            return .none
        }
    }

    /// The subscription's consumer loop ended (every dispatched delivery is settled).
    mutating func ended() {
        state = .idle
    }

    /// Whether this worker is the partition's active consumer and keeps it (won or accepted).
    var isHeld: Bool {
        switch state {
        case .won, .accepted: true
        case .idle, .standby, .draining, .closing: false
        }
    }

    /// Whether the balancer accepted the partition and it still dispatches.
    var isAccepted: Bool {
        if case .accepted = state { return true }
        return false
    }

    /// Whether this worker closed the subscription on purpose (handover, shutdown, pause).
    var isClosing: Bool {
        if case .closing = state { return true }
        return false
    }

    /// The dispatched deliveries not settled yet.
    var inFlight: Int {
        switch state {
        case .accepted(_, let inFlight), .draining(_, let inFlight, _), .closing(let inFlight): inFlight
        case .idle, .standby, .won: 0
        }
    }
}

extension PartitionStateMachine.Action: Equatable where Channel: Equatable, Waiter: Equatable {}
extension PartitionStateMachine.Action: Sendable where Channel: Sendable, Waiter: Sendable {}
extension PartitionStateMachine.State: Equatable where Channel: Equatable, Waiter: Equatable {}
