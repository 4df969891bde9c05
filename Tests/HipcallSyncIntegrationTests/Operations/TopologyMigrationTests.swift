import AMQPClient
import Foundation
@testable import HipcallSync
import HipcallSyncOperations
import Testing

/// `topology migrate` on the real broker, from the topology of an earlier version: classic retry,
/// dead-letter, parked and waiting queues, holding messages.
@Suite("topology: migrate from classic queues", .serialized)
struct TopologyMigrationTests {
    /// The queues an earlier version declared as classic queues, with the arguments it gave them.
    private func legacyQueues(_ topology: SyncTopology) -> [(name: String, arguments: AMQPTable)] {
        [topology.deadLetterQueue, topology.parkedQueue, topology.waitingQueue].map { ($0, ["x-queue-type": "classic"]) }
            + topology.retryDelays.indices.map { step in
                (
                    topology.retryQueue(step),
                    [
                        "x-queue-type": "classic", "x-message-ttl": .int(topology.retryDelays[step].milliseconds),
                        "x-dead-letter-exchange": "", "x-dead-letter-routing-key": .string(topology.workQueue),
                    ]
                )
            }
    }

    /// A world whose retry, dead-letter, parked and waiting queues are classic, as an earlier version
    /// declared them (retry steps of minutes, so that nothing expires during a test); always stopped after.
    private func withLegacyWorld(_ body: (SyncTestEnvironment) async throws -> Void) async throws {
        let world = try await SyncTestEnvironment(retryDelays: [.seconds(600), .seconds(1200)])
        do {
            for queue in legacyQueues(world.topology) {
                _ = try await world.connection.openChannel().deleteQueue(queue.name)
                _ = try await world.connection.openChannel().declareQueue(queue.name, arguments: queue.arguments)
            }
            try await world.connection.openChannel().bindQueue(
                world.topology.deadLetterQueue, exchange: world.topology.deadLetterExchange, routingKey: "#")
            try await body(world)
        } catch {
            await cleanUp(world)
            throw error
        }
        await cleanUp(world)
    }

    private func cleanUp(_ world: SyncTestEnvironment) async {
        for queue in world.topology.queues {
            _ = try? await world.connection.openChannel().deleteQueue(TopologyMigration.holdingQueue(for: queue.name))
        }
        await world.stop()
    }

    /// Publishes `count` messages straight into `queue` (default exchange, confirmed), numbered in a header.
    private func fill(_ queue: String, count: Int, from first: Int = 0, world: SyncTestEnvironment) async throws {
        for number in first..<(first + count) {
            let outcome = try await world.channel.publish(
                exchange: "", routingKey: queue, body: Array("\(queue)#\(number)".utf8),
                properties: AMQPProperties(headers: ["x-test-number": .int(Int64(number))], persistent: true), mandatory: true)
            #expect(outcome == .confirmed)
        }
    }

    /// Takes every message of `queue`: their bodies in queue order, and each one's `x-test-number` header.
    private func drain(_ queue: String, world: SyncTestEnvironment) async throws -> (bodies: [String], numbers: [Int64]) {
        let channel = try await world.connection.openChannel()
        var bodies: [String] = []
        var numbers: [Int64] = []
        while let message = try await channel.get(queue: queue) {
            bodies.append(String(decoding: message.delivery.body, as: UTF8.self))
            if case .int(let number)? = message.delivery.headers["x-test-number"] { numbers.append(number) }
            try message.delivery.ack()
        }
        _ = try await channel.declareQueue(queue, passive: true)
        try await channel.close()
        return (bodies, numbers)
    }

    private func exists(_ queue: String, world: SyncTestEnvironment) async throws -> Bool {
        do {
            _ = try await world.connection.openChannel().declareQueue(queue, passive: true)
            return true
        } catch let error as AMQPError where error.replyCode == 404 {
            return false
        }
    }

    @Test("migrate rebuilds every classic queue as a quorum queue with its messages, headers and order; dry-run changes nothing")
    func migratesLegacyTopology() async throws {
        try await withLegacyWorld { world in
            let legacy = legacyQueues(world.topology)
            for queue in legacy { try await fill(queue.name, count: 3, world: world) }

            // A worker of this version cannot start on it, and says which queue and what to run.
            let declaring = try await world.connection.openChannel()
            let mismatch = try await #require(throws: TopologyMismatch.self) { try await world.topology.declare(on: declaring) }
            #expect(mismatch.queue == world.topology.deadLetterQueue)
            #expect(mismatch.description.contains("x-queue-type") && mismatch.description.contains("hipcall-sync topology migrate"))

            let dryRun = try await world.command(["topology", "migrate", "--dry-run"])
            #expect(dryRun.status == 1, "\(dryRun.stdout)\(dryRun.stderr)")
            #expect(dryRun.stdout.contains("\(legacy.count) queues to declare or migrate"), "\(dryRun.stdout)")
            for queue in legacy { try #expect(await world.depth(queue.name) == 3) }
            #expect(try await world.command(["topology", "verify"]).status == 1)

            let migrated = try await world.command(["topology", "migrate"])
            #expect(migrated.status == 0, "\(migrated.stdout)\(migrated.stderr)")
            #expect(migrated.stderr.contains("moved 3 messages from \(world.topology.retryQueue(0)) to \(world.topology.retryQueue(0)).migrating"))
            let verified = try await world.command(["topology", "verify", "--rabbitmqctl", "/usr/sbin/rabbitmqctl"])
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let again = try await world.command(["topology", "migrate", "--dry-run"])
            #expect(again.status == 0 && again.stdout.contains("nothing to migrate"), "\(again.stdout)")

            for queue in legacy {
                #expect(try await !exists(TopologyMigration.holdingQueue(for: queue.name), world: world))
                let taken = try await drain(queue.name, world: world)
                #expect(taken.bodies == (0..<3).map { "\(queue.name)#\($0)" })
                #expect(taken.numbers == [0, 1, 2])
            }
            // The dead-letter queue is bound again, and the worker's declaration passes.
            let dead = try await world.channel.publish(
                exchange: world.topology.deadLetterExchange, routingKey: "company.changed", body: Array("late".utf8), mandatory: true)
            #expect(dead == .confirmed)
            try await world.topology.declare(on: world.connection.openChannel())
        }
    }

    @Test("a migration stopped midway (messages split between the old queue and its holder, or the queue gone) resumes")
    func resumesAfterPartialRun() async throws {
        try await withLegacyWorld { world in
            let topology = world.topology
            // The dead-letter queue was stopped while moving: 2 already held, 1 still in the old queue.
            let deadHolder = TopologyMigration.holdingQueue(for: topology.deadLetterQueue)
            _ = try await world.connection.openChannel().declareQueue(deadHolder, arguments: ["x-queue-type": "quorum"])
            try await fill(deadHolder, count: 2, world: world)
            try await fill(topology.deadLetterQueue, count: 1, from: 2, world: world)
            // The first retry queue was stopped after its old queue was deleted: everything is held.
            let retry = topology.retryQueue(0)
            let retryHolder = TopologyMigration.holdingQueue(for: retry)
            _ = try await world.connection.openChannel().deleteQueue(retry)
            _ = try await world.connection.openChannel().declareQueue(retryHolder, arguments: ["x-queue-type": "quorum"])
            try await fill(retryHolder, count: 4, world: world)

            let unfinished = try await world.command(["topology", "verify"])
            #expect(unfinished.status == 1)
            #expect(unfinished.stdout.contains(retryHolder) && unfinished.stdout.contains("with 4 messages"), "\(unfinished.stdout)")

            let result = try await world.command(["topology", "migrate"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(try await world.command(["topology", "verify"]).status == 0)
            #expect(try await drain(topology.deadLetterQueue, world: world).numbers == [0, 1, 2])
            #expect(try await drain(retry, world: world).numbers == [0, 1, 2, 3])
            #expect(try await !exists(deadHolder, world: world))
            #expect(try await !exists(retryHolder, world: world))
        }
    }

    @Test("a quorum queue made with other settings (another group size) is rebuilt too, though quorum queues refuse if-empty deletes")
    func rebuildsQuorumQueueOfOtherSettings() async throws {
        try await withLegacyWorld { world in
            let parked = world.topology.parkedQueue
            _ = try await world.connection.openChannel().deleteQueue(parked)
            _ = try await world.connection.openChannel().declareQueue(
                parked, arguments: ["x-queue-type": "quorum", "x-quorum-initial-group-size": 1])
            try await fill(parked, count: 2, world: world)

            let result = try await world.command(["topology", "migrate"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(try await world.command(["topology", "verify"]).status == 0)
            #expect(try await drain(parked, world: world).numbers == [0, 1])
        }
    }

    @Test("messages left in a holding queue after the queue was rebuilt go back even while workers consume")
    func finishesBesideConsumers() async throws {
        try await withSyncEnvironment { world in
            let holder = TopologyMigration.holdingQueue(for: world.topology.waitingQueue)
            _ = try await world.connection.openChannel().declareQueue(holder, arguments: ["x-queue-type": "quorum"])
            try await fill(holder, count: 2, world: world)
            let consumerChannel = try await world.connection.openChannel()
            let consumer = try await consumerChannel.consume(queue: world.topology.workQueue)
            let result = try await world.command(["topology", "migrate"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            try await consumerChannel.close()
            _ = consumer
            #expect(try await drain(world.topology.waitingQueue, world: world).numbers == [0, 1])
            #expect(try await !exists(holder, world: world))
        }
    }

    @Test("migrate refuses, changing nothing, while a consumer reads a work queue, or when a work queue differs")
    func refusals() async throws {
        try await withLegacyWorld { world in
            try await fill(world.topology.deadLetterQueue, count: 2, world: world)
            let consumerChannel = try await world.connection.openChannel()
            let consumer = try await consumerChannel.consume(queue: world.topology.workQueue)
            let busy = try await world.command(["topology", "migrate"])
            #expect(busy.status == 1)
            #expect(busy.stderr.contains("cannot migrate queue '\(world.topology.workQueue)': 1 consumer: stop the workers first"), "\(busy.stderr)")
            try await consumerChannel.close()
            _ = consumer
            #expect(try await world.depth(world.topology.deadLetterQueue) == 2)
            #expect(try await !exists(TopologyMigration.holdingQueue(for: world.topology.deadLetterQueue), world: world))
            #expect(try await world.command(["topology", "verify"]).status == 1)

            // A work queue made with another delivery limit is never rebuilt: the CRM publishes into it.
            var arguments = try #require(world.topology.queues.first { $0.name == world.topology.workQueue }).arguments
            arguments["x-delivery-limit"] = 5
            _ = try await world.connection.openChannel().deleteQueue(world.topology.workQueue)
            _ = try await world.connection.openChannel().declareQueue(world.topology.workQueue, arguments: arguments)
            let work = try await world.command(["topology", "migrate", "--dry-run"])
            #expect(work.status == 1)
            #expect(work.stdout.contains("refused"), "\(work.stdout)")
            let refused = try await world.command(["topology", "migrate"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("cannot migrate queue '\(world.topology.workQueue)'"), "\(refused.stderr)")
            #expect(refused.stderr.contains("x-delivery-limit"), "\(refused.stderr)")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 2)
        }
    }

    @Test("a worker on the old topology names the queue and the command, consumes nothing, is not ready, and syncs once it is migrated")
    func workerWaitsForMigration() async throws {
        try await withLegacyWorld { world in
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "MIG-1", data: #"{"name":"Migrated Ltd"}"#))
            let worker = try world.startWorker()
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).worker0.log")
            let named = try await world.waitUntil {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                return text.contains("cannot declare the topology") && text.contains("'\(world.topology.deadLetterQueue)'")
                    && text.contains("hipcall-sync topology migrate")
            }
            #expect(named, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            #expect(world.records.companies.isEmpty)
            #expect(try await world.depth(world.topology.workQueue) == 1)
            // Not ready meanwhile: a rollout onto this broker stops at the first new worker.
            let (status, reason) = await readiness(worker)
            #expect(status == 503 && reason.contains(world.topology.deadLetterQueue), "readyz: \(status) \(reason)")

            let migrated = try await world.command(["topology", "migrate"])
            #expect(migrated.status == 0, "\(migrated.stdout)\(migrated.stderr)")
            #expect(try await world.waitUntil { world.records.companies.map(\.externalID) == ["MIG-1"] })
            #expect(await readiness(worker).status == 200)
        }
    }
}
