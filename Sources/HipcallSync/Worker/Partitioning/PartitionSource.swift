import AMQPClient
import ServiceLifecycle

/// One partition queue's subscription as a ``DeliverySource``: probes are acked and count their
/// sender as alive; events dispatch once the balancer accepted the partition and while it is not
/// draining (the partition's state machine decides).
struct PartitionSource: DeliverySource {
    let slot: PartitionSlot
    let peers: PeerSet
    /// The exchange the balancer's probes come through.
    let controlExchange: String

    var partition: Int? { slot.index }

    func arrived(_ delivery: AMQPDelivery) async -> Bool {
        slot.delivered()
        if delivery.exchange == controlExchange {
            peers.heard(from: delivery)
            try? delivery.ack()
            return false
        }
        // A newly won partition waits for the balancer's decision before its first dispatch.
        return await slot.waitUntilDecided()
    }

    func admit() -> Admission {
        slot.admit() ? .dispatch : .leave
    }

    func settled() async {
        await slot.settled()
    }

    func end(after error: (any Error)?) -> SubscriptionEnd {
        if slot.isClosing { return Task.isShuttingDownGracefully ? .shutdown : .closed }
        if let error { return .failed(error) }
        return .failed(Task.isCancelled ? CancellationError() : PartitionError.consumerEnded(queue: slot.queue))
    }
}
