import AMQPClient
import HipcallSync

/// Compares what exists on the broker with what a ``SyncTopology`` declares, over AMQP alone.
///
/// AMQP 0-9-1 cannot read an object's settings, so each check asks the broker: a passive declare
/// on a fresh channel tells whether the object exists (404 otherwise), and a declare with the
/// expected type, durability and arguments on another fresh channel succeeds only when they are
/// equivalent (406 PRECONDITION_FAILED names the difference); a holding queue that `topology
/// migrate` left behind counts against it too. That declare is idempotent when they match; only
/// an object deleted between the two calls would be created by it. RabbitMQ compares the arguments
/// it knows (queue type, TTL, dead-letter exchange, routing key and strategy, overflow, delivery
/// limit, initial group size, length limits), not arbitrary ones. Bindings cannot be read over
/// AMQP: ``checkBindings(listed:)`` compares a list obtained elsewhere (`rabbitmqctl list_bindings`).
public struct TopologyVerifier: Sendable {
    let topology: SyncTopology

    public init(topology: SyncTopology) {
        self.topology = topology
    }


    /// The queue bindings the topology declares (the partitioned mode's exchange-to-exchange
    /// bindings are not listed: `rabbitmqctl list_bindings` is read for queue bindings only).
    public var bindings: [TopologyBinding] {
        let dead = TopologyBinding(exchange: topology.deadLetterExchange, queue: topology.deadLetterQueue, routingKey: "#")
        guard !topology.isPartitioned else {
            return topology.partitionBindings.filter { !$0.toExchange }.map {
                TopologyBinding(exchange: $0.source, queue: $0.destination, routingKey: $0.routingKey)
            } + [dead]
        }
        return RoutingKeys.events.map {
            TopologyBinding(exchange: topology.eventsExchange, queue: topology.workQueue, routingKey: $0)
        } + [dead]
    }

    /// Checks every exchange and queue; throws only when the connection itself fails.
    public func verify(on connection: AMQPConnection) async throws -> [TopologyCheck] {
        var checks: [TopologyCheck] = []
        for exchange in topology.exchanges {
            let status = try await check(on: connection) { channel, passive in
                try await channel.declareExchange(
                    exchange.name, type: exchange.type, durable: true, passive: passive, arguments: passive ? [:] : exchange.arguments)
            }
            checks.append(TopologyCheck(kind: .exchange, name: exchange.name, expected: "\(exchange.type), durable", status: status))
        }
        for queue in topology.queues {
            let status = try await check(on: connection) { channel, passive in
                try await channel.declareQueue(queue.name, durable: true, passive: passive, arguments: passive ? [:] : queue.arguments)
            }
            checks.append(
                TopologyCheck(kind: .queue, name: queue.name, expected: Self.describe(queue.arguments), status: status))
        }
        for queue in topology.queues {
            if let held = try await connection.queueInfo(TopologyMigration.holdingQueue(for: queue.name))?.messageCount {
                checks.append(
                    TopologyCheck(
                        kind: .queue, name: TopologyMigration.holdingQueue(for: queue.name), expected: "absent",
                        status: .mismatch("topology migrate's holding queue of \(queue.name), with \(held) messages: run it again to finish")))
            }
        }
        return checks
    }

    /// One check per expected binding, against the bindings that exist.
    public func checkBindings(listed: Set<TopologyBinding>) -> [TopologyCheck] {
        bindings.map { binding in
            TopologyCheck(
                kind: .binding, name: "\(binding.exchange) -> \(binding.queue)", expected: "routing key \(binding.routingKey)",
                status: listed.contains(binding) ? .ok : .missing)
        }
    }

    /// Runs `declare` passively, then for real, each on a fresh channel, and reads the broker's answer.
    private func check(
        on connection: AMQPConnection, _ declare: (AMQPChannel, _ passive: Bool) async throws -> Void
    ) async throws -> TopologyCheck.Status {
        for passive in [true, false] {
            do {
                try await connection.withFreshChannel { try await declare($0, passive) }
            } catch let error as AMQPError where !error.isConnectionLevel {
                switch error.replyCode {
                case 404: return .missing
                case 406: return .mismatch(error.message)
                default: return .failed(error.message)
                }
            }
        }
        return .ok
    }

    /// The arguments as `durable, key=value, ...`, keys sorted.
    public static func describe(_ arguments: AMQPTable) -> String {
        (["durable"] + arguments.sorted { $0.key < $1.key }.map { "\($0.key)=\(describe($0.value))" }).joined(separator: ", ")
    }

    private static func describe(_ value: AMQPFieldValue) -> String {
        switch value {
        case .string(let text): text.isEmpty ? "\"\"" : text
        case .int(let number): String(number)
        case .bool(let flag): String(flag)
        default: "\(value)"
        }
    }
}

/// A binding of a queue to an exchange with a routing key.
public struct TopologyBinding: Sendable, Hashable {
    public var exchange: String
    public var queue: String
    public var routingKey: String

    public init(exchange: String, queue: String, routingKey: String) {
        self.exchange = exchange
        self.queue = queue
        self.routingKey = routingKey
    }
}

/// The verdict on one expected broker object.
public struct TopologyCheck: Sendable, Equatable {
    /// What sort of object was checked.
    public enum Kind: String, Sendable {
        case exchange, queue, binding
    }

    /// How the object on the broker compares with the expectation.
    public enum Status: Sendable, Equatable {
        /// It exists with the expected settings.
        case ok
        /// It does not exist.
        case missing
        /// It exists with other settings; the broker's 406 text names the difference.
        case mismatch(String)
        /// The broker refused the check for another reason (for example 403 ACCESS_REFUSED).
        case failed(String)
        /// It was not checked, and why.
        case notChecked(String)

        /// A short label for tables and JSON.
        public var label: String {
            switch self {
            case .ok: "ok"
            case .missing: "missing"
            case .mismatch: "mismatch"
            case .failed: "failed"
            case .notChecked: "not checked"
            }
        }

        /// The broker's explanation, when there is one.
        public var detail: String? {
            switch self {
            case .ok, .missing: nil
            case .mismatch(let text), .failed(let text), .notChecked(let text): text
            }
        }

        /// Whether this counts against the topology (anything but `ok` and `notChecked`).
        public var isProblem: Bool {
            switch self {
            case .ok, .notChecked: false
            case .missing, .mismatch, .failed: true
            }
        }
    }

    public let kind: Kind
    public let name: String
    public let expected: String
    public let status: Status

    public init(kind: Kind, name: String, expected: String, status: Status) {
        self.kind = kind
        self.name = name
        self.expected = expected
        self.status = status
    }
}
