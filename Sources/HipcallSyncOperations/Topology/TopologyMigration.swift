import AMQPClient
import HipcallSync
import Logging

/// Rebuilds the queues of a topology that exist with other settings (the classic retry,
/// dead-letter, parked and waiting queues of earlier versions) as this version declares them,
/// without losing a message: each message is republished (mandatory, confirmed) before its old
/// copy is acked, so a run stopped anywhere loses nothing and at worst copies a message twice (the
/// sync is idempotent). Every step is decided from what the broker holds (``QueueMigrationStep``),
/// so running it again resumes. Work queues and the journal stream are never rebuilt.
public struct TopologyMigration: Sendable {
    let topology: SyncTopology

    public init(topology: SyncTopology) {
        self.topology = topology
    }

    /// Where `queue`'s messages wait while it is rebuilt.
    public static func holdingQueue(for queue: String) -> String { "\(queue).migrating" }

    /// One queue's state and the step it needs next.
    public struct Plan: Sendable, Equatable {
        /// The queue's name.
        public let queue: String
        /// What the broker held when the run began.
        public let observation: QueueObservation
        /// The step that state called for.
        public let step: QueueMigrationStep
    }

    /// What happened, for progress lines: a step begun, or messages moved.
    public enum Progress: Sendable, Equatable {
        case step(queue: String, QueueMigrationStep)
        case moved(from: String, to: String, count: Int)
    }

    /// Each queue of the topology as the broker holds it, with its next step (nothing is changed).
    public func plan(on connection: AMQPConnection) async throws -> [Plan] {
        var plans: [Plan] = []
        for queue in topology.queues {
            let observation = try await observe(queue.name, arguments: queue.arguments, on: connection)
            plans.append(Plan(queue: queue.name, observation: observation, step: step(for: queue.name, observation)))
        }
        return plans
    }

    /// Migrates every queue that needs it, then declares the whole topology (its bindings included).
    /// Refuses before changing anything when a queue cannot be rebuilt or anything consumes from
    /// the topology's queues (running workers would publish into a queue being rebuilt).
    public func run(on connection: AMQPConnection, progress: (Progress) -> Void = { _ in }) async throws -> [Plan] {
        let plans = try await plan(on: connection)
        for plan in plans {
            if case .refuse(let why) = plan.step { throw TopologyMigrationError.refused(queue: plan.queue, reason: why) }
        }
        // Rebuilding a queue under running workers would lose what they publish into it meanwhile;
        // declaring a missing queue or moving held messages back into a rebuilt one is safe beside them.
        let rebuilds = plans.contains { $0.step == .moveToHolder || $0.step == .deleteOld }
        if rebuilds, let busy = plans.first(where: { $0.observation.consumers > 0 }) {
            let consumers = busy.observation.consumers
            throw TopologyMigrationError.refused(
                queue: busy.queue, reason: "\(consumers) consumer\(consumers == 1 ? "" : "s"): stop the workers first")
        }
        let publisher = ConfirmedPublisher(connection: connection)
        do {
            for plan in plans where plan.step != .done {
                let arguments = topology.queues.first { $0.name == plan.queue }?.arguments ?? [:]
                try await migrate(plan.queue, arguments: arguments, publisher: publisher, on: connection, progress: progress)
            }
        } catch {
            await publisher.close()
            throw error
        }
        await publisher.close()
        let channel = try await connection.openChannel()
        try await topology.declare(on: channel)
        try? await channel.close()
        return plans
    }

    /// Runs `queue`'s steps until it is done; a step that does not settle (a publisher keeps filling
    /// the old queue) ends the run with ``TopologyMigrationError/notSettling(queue:)``.
    private func migrate(
        _ queue: String, arguments: AMQPTable, publisher: ConfirmedPublisher, on connection: AMQPConnection,
        progress: (Progress) -> Void
    ) async throws {
        let holder = Self.holdingQueue(for: queue)
        for _ in 0..<Self.stepLimit {
            let step = step(for: queue, try await observe(queue, arguments: arguments, on: connection))
            progress(.step(queue: queue, step))
            switch step {
            case .done:
                return
            case .refuse(let why):
                throw TopologyMigrationError.refused(queue: queue, reason: why)
            case .moveToHolder:
                // A holder left by an earlier run is used as it is (it may have been made with another group size).
                if try await connection.queueInfo(holder) == nil {
                    _ = try await connection.withFreshChannel { try await $0.declareQueue(holder, arguments: holdingQueueArguments) }
                }
                let moved = try await move(from: queue, to: holder, publisher: publisher, on: connection)
                progress(.moved(from: queue, to: holder, count: moved))
            case .deleteOld:
                try await deleteOld(queue, on: connection)
            case .declare:
                try await connection.withFreshChannel { channel in
                    try await channel.declareQueue(queue, arguments: arguments)
                    for binding in TopologyVerifier(topology: topology).bindings where binding.queue == queue {
                        try await channel.bindQueue(queue, exchange: binding.exchange, routingKey: binding.routingKey)
                    }
                }
            case .moveBack:
                let moved = try await move(from: holder, to: queue, publisher: publisher, on: connection)
                progress(.moved(from: holder, to: queue, count: moved))
            case .deleteHolder:
                // Only the migration publishes into a holding queue, and it was seen empty.
                try await connection.withFreshChannel { _ = try await $0.deleteQueue(holder) }
            }
        }
        throw TopologyMigrationError.notSettling(queue: queue)
    }

    /// Steps one queue may take in a run: the six of a migration, with room for a few repeats.
    static let stepLimit = 12

    private func step(for queue: String, _ observation: QueueObservation) -> QueueMigrationStep {
        if topology.isWorkQueue(queue) {
            return .next(
                for: observation, rebuildable: false,
                why: "a work queue is not rebuilt while the CRM publishes into it: keep the settings it was made with "
                    + "(--initial-group-size), or drain and delete it with the workers and publishers stopped")
        }
        if queue == topology.journalStream {
            return .next(
                for: observation, rebuildable: false,
                why: "a stream cannot be moved; delete it (the workers declare it anew) with the workers stopped")
        }
        return .next(for: observation, rebuildable: true)
    }

    /// A holding queue: quorum, no TTL and no dead-lettering, so nothing leaves it but by the move back.
    private var holdingQueueArguments: AMQPTable {
        var arguments: AMQPTable = ["x-queue-type": "quorum"]
        if let size = topology.initialGroupSize { arguments["x-quorum-initial-group-size"] = .int(Int64(size)) }
        return arguments
    }

    /// The queue's state: a passive declare for its counts (404: missing), a declare with `arguments`
    /// for the comparison (406: mismatched), and a passive declare of its holding queue.
    private func observe(_ queue: String, arguments: AMQPTable, on connection: AMQPConnection) async throws -> QueueObservation {
        guard let info = try await connection.queueInfo(queue) else {
            return QueueObservation(found: .missing, held: try await connection.queueInfo(Self.holdingQueue(for: queue))?.messageCount)
        }
        var found = QueueObservation.Found.matching
        do {
            _ = try await connection.withFreshChannel { try await $0.declareQueue(queue, arguments: arguments) }
        } catch let error as AMQPError where error.replyCode == 406 {
            found = .mismatched(error.message)
        }
        return QueueObservation(
            found: found, messages: info.messageCount, consumers: info.consumerCount,
            held: try await connection.queueInfo(Self.holdingQueue(for: queue))?.messageCount)
    }

    /// Deletes the old queue, seen empty a step before: with if-empty, so that a message that arrived
    /// since leaves it there (the broker's 406; the next step moves that message). A quorum queue
    /// answers if-empty by closing the whole connection (540 NOT_IMPLEMENTED), so the attempt runs on
    /// a connection of its own; a quorum queue is then deleted outright if it is still empty and
    /// without consumers. (Neither check sees messages a `basic.get` holds unacked: no dead-letter
    /// command may run meanwhile.)
    private func deleteOld(_ queue: String, on connection: AMQPConnection) async throws {
        var quiet = Logger(label: "amqp")
        quiet.logLevel = .critical
        let probe = try await AMQPConnection.connect(connection.configuration, logger: quiet)
        var isQuorum = false
        do {
            try await probe.withFreshChannel { _ = try await $0.deleteQueue(queue, ifEmpty: true) }
        } catch let error as AMQPError where error.replyCode == 406 {
        } catch let error as AMQPError where error.replyCode == 540 {
            isQuorum = true
        } catch {
            await probe.close()
            throw error
        }
        await probe.close()
        guard isQuorum, let info = try await connection.queueInfo(queue), info.messageCount == 0, info.consumerCount == 0 else {
            return
        }
        _ = try await connection.withFreshChannel { try await $0.deleteQueue(queue) }
    }

    /// Moves every message ready in `source` to `target` through the default exchange: each is
    /// published with its body and properties, confirmed, and only then acked in `source`.
    private func move(
        from source: String, to target: String, publisher: ConfirmedPublisher, on connection: AMQPConnection
    ) async throws -> Int {
        try await connection.withFreshChannel { channel in
            var moved = 0
            while let message = try await channel.get(queue: source) {
                try await publisher.publish(message.delivery.body, routingKey: target, properties: message.delivery.properties, to: "")
                try message.delivery.ack()
                moved += 1
            }
            // The acks are queued; a round trip on the channel puts them on the wire before its close.
            _ = try await channel.declareQueue(source, passive: true)
            return moved
        }
    }
}

/// Why `topology migrate` stopped.
public enum TopologyMigrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The queue cannot be migrated now, and why (when found before the run began, nothing was changed).
    case refused(queue: String, reason: String)
    /// The queue's steps kept repeating (something keeps publishing into the old queue).
    case notSettling(queue: String)

    public var description: String {
        switch self {
        case .refused(let queue, let reason):
            "cannot migrate queue '\(queue)': \(reason)"
        case .notSettling(let queue):
            "queue '\(queue)' did not settle after \(TopologyMigration.stepLimit) steps: something keeps publishing into it; stop it and run migrate again"
        }
    }
}
