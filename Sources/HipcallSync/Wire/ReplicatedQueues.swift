import AMQPClient

/// The arguments that make each queue of ``SyncTopology`` replicated and at-least-once.
extension SyncTopology {
    /// `arguments` for a quorum queue: replicated by Raft on ``initialGroupSize`` nodes (the broker's
    /// default when unset), so a node's loss loses none of its messages.
    func replicatedQueueArguments(_ arguments: AMQPTable = [:]) -> AMQPTable {
        var arguments = arguments
        arguments["x-queue-type"] = "quorum"
        if let initialGroupSize { arguments["x-quorum-initial-group-size"] = .int(Int64(initialGroupSize)) }
        return arguments
    }

    /// The arguments of retry step `step`'s TTL queue: its messages expire after the step's delay and
    /// are dead-lettered to `queue` through the default exchange. `at-least-once` makes the broker keep
    /// an expired message until `queue` confirmed it (RabbitMQ requires `reject-publish` overflow for
    /// it; the queue has no length limit, so nothing is rejected), where a classic queue's TTL hop
    /// drops a message it cannot route.
    func retryQueueArguments(step: Int, returningTo queue: String) -> AMQPTable {
        replicatedQueueArguments([
            "x-message-ttl": .int(retryDelays[step].milliseconds), "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": .string(queue), "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish",
        ])
    }

    /// The queues both modes declare besides the work and retry queues: the dead-letter, parked and
    /// waiting queues (quorum, no TTL, nothing dead-lettered onwards) and the journal stream (a stream
    /// is replicated on every node of the cluster unless told otherwise).
    var holdingQueues: [(name: String, arguments: AMQPTable)] {
        [
            (deadLetterQueue, replicatedQueueArguments()), (parkedQueue, replicatedQueueArguments()),
            (waitingQueue, replicatedQueueArguments()), (journalStream, journalStreamArguments),
        ]
    }

    /// Whether `queue` is one the workers consume their work from: the shared work queue or a
    /// partition queue (the CRM publishes into them, so they are never rebuilt while the fleet runs).
    public func isWorkQueue(_ queue: String) -> Bool {
        queue == workQueue || (0..<max(0, partitions)).contains { partitionQueue($0) == queue }
    }
}
