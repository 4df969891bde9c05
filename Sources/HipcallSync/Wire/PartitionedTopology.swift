import AMQPClient

/// The partitioned mode of ``SyncTopology`` (`partitions > 0`): events go from the events
/// exchange, through an exchange-to-exchange binding, to a consistent-hash exchange that hashes
/// the `x-hipcall-key` header and routes each key to one of N quorum partition queues with single
/// active consumer. Each partition has its own retry queues that dead-letter back to it; the
/// dead-letter exchange and queue are shared with the shared mode.
///
/// A message without the header is still routed: RabbitMQ 3.10's consistent-hash exchange hashes a
/// missing header as one fixed value, so every unkeyed message lands in one (fixed) partition; and
/// anything the hash exchange cannot route at all (no partition bound yet) goes through its
/// alternate exchange, a fanout bound to partition 0. Unkeyed messages are processed, not ordered
/// against keyed ones of the same record.
///
/// Bucket `i` of the hash ring is the `i`-th binding made, so partitions are bound in order; the
/// plugin keeps its ring in memory, so the key → partition map may change when the partition count
/// changes (and, in RabbitMQ 3.10, may be rebuilt in a different order after a broker restart).
extension SyncTopology {
    /// The `x-hipcall-key` value for a record: `companies:ERP-1`.
    public static func keyHeaderValue(resource: String, externalID: String) -> String {
        "\(resource):\(externalID)"
    }

    /// Whether this topology uses partition queues instead of the shared work queue.
    public var isPartitioned: Bool { partitions > 0 }

    /// The consistent-hash exchange (type `x-consistent-hash`) in front of the partition queues.
    var partitionExchange: String { "\(prefix).partitions" }

    /// The fanout exchange that catches what the hash exchange cannot route, bound to partition 0.
    var unkeyedExchange: String { "\(prefix).unkeyed" }

    /// The direct exchange of the workers' control traffic: each partition queue is bound to it by
    /// its own name, and the balancer's probes go through it. A worker recognises a probe by the
    /// delivery's exchange, which a publisher to the events exchange cannot forge (a header could be:
    /// a CRM event that carries the probe header is synced like any other).
    var controlExchange: String { "\(prefix).control" }

    /// The arguments of the hash exchange: hash the key header; unroutable messages to ``unkeyedExchange``.
    var partitionExchangeArguments: AMQPTable {
        ["hash-header": .string(SyncHeaders.key), "alternate-exchange": .string(unkeyedExchange)]
    }

    /// The exchanges only the partitioned mode declares, with their types and arguments.
    var partitionExchanges: [(name: String, type: String, arguments: AMQPTable)] {
        [
            (unkeyedExchange, "fanout", [:]), (partitionExchange, "x-consistent-hash", partitionExchangeArguments),
            (controlExchange, "direct", [:]),
        ]
    }

    /// The queue of partition `index` (0-based).
    public func partitionQueue(_ index: Int) -> String {
        "\(prefix).p\(index)"
    }

    /// The TTL queue of retry step `step` for partition `partition`; it dead-letters back to that partition.
    func partitionRetryQueue(_ partition: Int, step: Int) -> String {
        "\(prefix).p\(partition).retry.\(retryDelays[step].milliseconds)ms"
    }

    /// The retry queue for step `step` of a delivery from `partition` (`nil`: the shared work queue).
    func retryQueue(_ step: Int, partition: Int?) -> String {
        guard let partition, isPartitioned else { return retryQueue(step) }
        return partitionRetryQueue(partition, step: step)
    }

    /// The arguments of a partition queue: quorum, single active consumer, the crash-loop delivery
    /// limit dead-lettering to the dead-letter exchange, as the shared work queue has.
    var partitionQueueArguments: AMQPTable {
        replicatedQueueArguments([
            "x-single-active-consumer": .bool(true), "x-delivery-limit": .int(Int64(deliveryLimit)),
            "x-dead-letter-exchange": .string(deadLetterExchange),
        ])
    }

    /// Every queue of the partitioned mode with its arguments: the partition queues, the dead-letter
    /// queue, the journal, and each partition's retry queues.
    var partitionedQueues: [(name: String, arguments: AMQPTable)] {
        var queues: [(String, AMQPTable)] = (0..<partitions).map { (partitionQueue($0), partitionQueueArguments) }
        queues += holdingQueues
        for partition in 0..<partitions {
            queues += retryDelays.indices.map {
                (partitionRetryQueue(partition, step: $0), retryQueueArguments(step: $0, returningTo: partitionQueue(partition)))
            }
        }
        return queues
    }

    /// One binding of the partitioned mode: a queue or (with `toExchange`) an exchange bound to `source`.
    public struct PartitionBinding: Sendable, Equatable {
        public var source: String
        public var destination: String
        public var routingKey: String
        public var toExchange: Bool
    }

    /// The bindings of the partitioned mode, in the order they must be made: each partition to the
    /// hash exchange with weight 1 (in order: bucket `i` is partition `i`), partition 0 behind the
    /// unkeyed fanout, the hash exchange behind the events exchange for each event routing key, and
    /// each partition behind the control exchange under its own name.
    public var partitionBindings: [PartitionBinding] {
        var bindings = (0..<partitions).map {
            PartitionBinding(source: partitionExchange, destination: partitionQueue($0), routingKey: "1", toExchange: false)
        }
        bindings.append(PartitionBinding(source: unkeyedExchange, destination: partitionQueue(0), routingKey: "", toExchange: false))
        for routingKey in RoutingKeys.events {
            bindings.append(PartitionBinding(source: eventsExchange, destination: partitionExchange, routingKey: routingKey, toExchange: true))
        }
        for partition in 0..<partitions {
            let queue = partitionQueue(partition)
            bindings.append(PartitionBinding(source: controlExchange, destination: queue, routingKey: queue, toExchange: false))
        }
        return bindings
    }

    /// Makes ``partitionBindings`` (the exchanges and queues are declared by ``declare(on:)``).
    func declarePartitionRouting(on channel: AMQPChannel) async throws {
        for binding in partitionBindings {
            if binding.toExchange {
                try await channel.bindExchange(binding.destination, source: binding.source, routingKey: binding.routingKey)
            } else {
                try await channel.bindQueue(binding.destination, exchange: binding.source, routingKey: binding.routingKey)
            }
        }
    }
}
