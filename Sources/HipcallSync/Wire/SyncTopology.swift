import AMQPClient

/// The broker objects the sync needs, all named under one prefix: the CRM's events exchange,
/// the work queue bound to both routing keys, one TTL queue per retry step that dead-letters back
/// to the work queue (at least once), the dead-letter exchange and queue, the parked and waiting
/// queues, the journal stream of applied changes, and the exchange where `*.synced` notices go.
/// Every durable queue is replicated: quorum queues (see ``replicatedQueueArguments``) and a stream.
public struct SyncTopology: Sendable, Equatable {
    public var eventsExchange: String
    public var prefix: String
    public var syncedExchange: String
    /// The retry delays, one TTL queue each.
    public var retryDelays: [Duration]
    /// The quorum queue's delivery limit: a safety net against crash loops (the message is then dead-lettered).
    var deliveryLimit: Int
    /// How many partition queues replace the shared work queue; 0 (the default) is the shared mode.
    public var partitions: Int
    /// How many nodes each quorum queue starts on (`x-quorum-initial-group-size`); `nil` (the
    /// default) leaves it to the broker: RabbitMQ's `quorum_cluster_size`, 3, capped at the nodes
    /// of the cluster. RabbitMQ compares it on every declare, so it must stay what the queues were made with.
    public var initialGroupSize: Int?

    public init(
        eventsExchange: String = defaultEventsExchange, prefix: String = defaultPrefix, syncedExchange: String = defaultSyncedExchange,
        retryDelays: [Duration] = RetryPolicy().delays, deliveryLimit: Int = 20, partitions: Int = 0, initialGroupSize: Int? = nil
    ) {
        self.eventsExchange = eventsExchange
        self.prefix = prefix
        self.syncedExchange = syncedExchange
        self.retryDelays = retryDelays
        self.deliveryLimit = deliveryLimit
        self.partitions = partitions
        self.initialGroupSize = initialGroupSize
    }

    /// The CRM's events exchange unless configured otherwise.
    public static let defaultEventsExchange = "crm.events"
    /// The exchange of `*.synced` notices unless configured otherwise.
    public static let defaultSyncedExchange = "crm.synced"
    /// The prefix of the fleet's own broker objects unless configured otherwise.
    public static let defaultPrefix = "hipcall-sync"

    public var workQueue: String { "\(prefix).work" }
    public var deadLetterExchange: String { "\(prefix).dead" }
    public var deadLetterQueue: String { "\(prefix).dead" }
    /// Where the dead-letter tools' loop guard parks a message that failed again after too many
    /// replays: out of the replay path until an operator looks (published through the default exchange).
    public var parkedQueue: String { "\(prefix).parked" }
    /// Where a worker puts an event that failed only because another record is not synced yet (a
    /// contact whose company does not exist, once its retries are used up), with
    /// `x-hipcall-waiting-for`; the fleet's ``WaitingReplayer`` replays it once that record is synced.
    public var waitingQueue: String { "\(prefix).waiting" }

    /// The fanout exchange of the workers' heartbeats: each worker binds a private queue to it, so it
    /// counts the live workers (that share the API budget; in the partitioned mode, the partitions)
    /// even while the work queues are deep in a backlog.
    var presenceExchange: String { "\(prefix).presence" }

    /// The name of the TTL queue for retry step `index` (0-based).
    func retryQueue(_ index: Int) -> String {
        "\(prefix).retry.\(retryDelays[index].milliseconds)ms"
    }

    /// Whether a message dead-lettered from queue `deathQueue` and delivered with `routingKey` came
    /// back from one of this topology's retry queues: the queue is a retry queue (shared or of a
    /// partition) and `routingKey` is the queue it returns to (its `x-dead-letter-routing-key`).
    func isRetryReturn(from deathQueue: String, routingKey: String) -> Bool {
        if routingKey == workQueue {
            return retryDelays.indices.contains { retryQueue($0) == deathQueue }
        }
        for partition in 0..<max(0, partitions) where routingKey == partitionQueue(partition) {
            return retryDelays.indices.contains { partitionRetryQueue(partition, step: $0) == deathQueue }
        }
        return false
    }

    /// Every queue this topology declares, with its arguments.
    public var queues: [(name: String, arguments: AMQPTable)] {
        if isPartitioned { return partitionedQueues }
        var queues: [(String, AMQPTable)] = [
            (
                workQueue,
                replicatedQueueArguments([
                    "x-delivery-limit": .int(Int64(deliveryLimit)), "x-dead-letter-exchange": .string(deadLetterExchange),
                ])
            ),
        ]
        queues += holdingQueues
        queues += retryDelays.indices.map { (retryQueue($0), retryQueueArguments(step: $0, returningTo: workQueue)) }
        return queues
    }

    /// Every exchange this topology declares (all durable), with its type and arguments; in the
    /// partitioned mode the hash, unkeyed and control exchanges too.
    public var exchanges: [(name: String, type: String, arguments: AMQPTable)] {
        [(eventsExchange, "topic", [:]), (deadLetterExchange, "topic", [:]), (syncedExchange, "topic", [:]), (presenceExchange, "fanout", [:])]
            + (isPartitioned ? partitionExchanges : [])
    }

    /// Declares everything; safe to run again and from many workers at once. Throws
    /// ``TopologyMismatch`` when a queue exists with other settings.
    public func declare(on channel: AMQPChannel) async throws {
        for exchange in exchanges {
            try await channel.declareExchange(exchange.name, type: exchange.type, durable: true, arguments: exchange.arguments)
        }
        for queue in queues {
            do {
                try await channel.declareQueue(queue.name, durable: true, arguments: queue.arguments)
            } catch let error as AMQPError where error.replyCode == 406 {
                throw TopologyMismatch(queue: queue.name, brokerReply: error.message)
            }
        }
        if isPartitioned {
            try await declarePartitionRouting(on: channel)
        } else {
            for routingKey in RoutingKeys.events {
                try await channel.bindQueue(workQueue, exchange: eventsExchange, routingKey: routingKey)
            }
        }
        try await channel.bindQueue(deadLetterQueue, exchange: deadLetterExchange, routingKey: "#")
    }
}

extension SyncTopology {
    /// The journal: a stream every worker appends applied changes to and reads from the start
    /// (see ``JournalEntry``). It keeps a day; small 8 MB segments let old ones go on time.
    public var journalStream: String { "\(prefix).applied" }

    /// The journal stream's arguments.
    var journalStreamArguments: AMQPTable {
        ["x-queue-type": "stream", "x-max-age": "1D", "x-stream-max-segment-size-bytes": .int(8_000_000)]
    }
}
