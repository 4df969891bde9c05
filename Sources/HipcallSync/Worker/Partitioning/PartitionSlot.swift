import AMQPClient
import Synchronization

/// One partition queue on this worker: its ``PartitionStateMachine`` behind a lock, and the I/O
/// its transitions ask for (resuming the consumer loop's wait for the balancer, closing the channel).
final class PartitionSlot: Sendable {
    /// The machine with this worker's channel and waiter types.
    typealias Machine = PartitionStateMachine<AMQPChannel, CheckedContinuation<Bool, Never>>

    let index: Int
    let queue: String
    private let machine = Mutex(Machine())

    init(index: Int, queue: String) {
        self.index = index
        self.queue = queue
    }

    /// Starts a fresh subscription on `channel`.
    func subscribed(on channel: AMQPChannel) {
        machine.withLock { $0.subscribed(on: channel) }
    }

    /// Records that a delivery (an event or a probe) arrived: this worker is the active consumer.
    func delivered() {
        machine.withLock { $0.delivered() }
    }

    /// Waits until the balancer accepted the partition or it stopped dispatching (a cancelled wait
    /// ends too); true when it may dispatch.
    func waitUntilDecided() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let decision = machine.withLock { machine -> Machine.Decision in
                    Task.isCancelled ? .decided(false) : machine.waitForDecision(continuation)
                }
                if case .decided(let mayDispatch) = decision { continuation.resume(returning: mayDispatch) }
            }
        } onCancel: {
            machine.withLock { $0.cancelWait() }?.resume(returning: false)
        }
    }

    /// Lets the consumer loop dispatch this partition's deliveries.
    func accept() {
        // Accepting only ever resumes the waiting consumer loop.
        if case .resume(let waiter, let mayDispatch) = machine.withLock({ $0.accept() }) { waiter.resume(returning: mayDispatch) }
    }

    /// Counts a delivery as dispatched unless the partition no longer dispatches.
    func admit() -> Bool {
        machine.withLock { $0.admit() }
    }

    /// Records that a dispatched delivery is settled (the last one of a handover closes the channel).
    func settled() async {
        await perform(machine.withLock { $0.settled() })
    }

    /// Stops dispatching for `reason`; nil when it already had (or is between subscriptions),
    /// otherwise the action to ``perform(_:)``.
    func beginDraining(_ reason: Machine.DrainReason) -> Machine.Action? {
        machine.withLock { $0.beginDraining(reason) }
    }

    /// Closes the subscription now, whatever is in flight.
    func close() async {
        await perform(machine.withLock { $0.close() })
    }

    /// Records that the subscription's consumer loop ended.
    func ended() {
        machine.withLock { $0.ended() }
    }

    /// Does what a transition asked for.
    func perform(_ action: Machine.Action) async {
        switch action {
        case .none: break
        case .resume(let waiter, let mayDispatch): waiter.resume(returning: mayDispatch)
        case .close(let channel, let waiter):
            waiter?.resume(returning: false)
            try? await channel.close()
        }
    }

    /// The partition as the balancer sees it; nil unless this worker holds it.
    var held: PartitionBalancer.Held? {
        machine.withLock { machine in
            machine.isHeld ? PartitionBalancer.Held(partition: index, accepted: machine.isAccepted, inFlight: machine.inFlight) : nil
        }
    }

    /// Whether this worker is the partition's active consumer and keeps it.
    var isHeld: Bool { machine.withLock { $0.isHeld } }

    /// Whether this worker closed the subscription on purpose (handover, shutdown, pause).
    var isClosing: Bool { machine.withLock { $0.isClosing } }
}
