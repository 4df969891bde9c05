import AMQPClient
import Foundation
@testable import HipcallSync
import Testing

@Suite("topology: declare and verify", .serialized)
struct TopologyTests {
    /// Deletes every queue and exchange of the world's topology.
    private func tearDown(_ world: SyncTestEnvironment) async throws {
        for queue in world.topology.queues { try await world.connection.openChannel().deleteQueue(queue.name) }
        for exchange in [world.topology.eventsExchange, world.topology.deadLetterExchange, world.topology.syncedExchange] {
            try await world.connection.openChannel().deleteExchange(exchange)
        }
    }

    @Test("verify fails when nothing exists, declare creates everything, and verify then passes (bindings too)")
    func declareThenVerify() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await tearDown(world)

        let before = try world.run(["topology", "verify"])
        #expect(before.status == 1)
        #expect(before.stdout.contains("\(world.topology.workQueue)"))
        #expect(before.stdout.contains("missing"))

        let declared = try world.run(["topology", "declare"])
        #expect(declared.status == 0, "\(declared.stderr)")
        for queue in world.topology.queues { #expect(declared.stdout.contains(queue.name)) }
        #expect(declared.stdout.contains("x-delivery-limit=20"))

        let after = try world.run(["topology", "verify", "--rabbitmqctl", "/usr/sbin/rabbitmqctl", "--json"])
        #expect(after.status == 0, "\(after.stdout)\(after.stderr)")
        let checks = try #require(try after.json() as? [[String: Any]])
        #expect(checks.count == world.topology.exchanges.count + world.topology.queues.count + 3)
        #expect(checks.allSatisfy { $0["status"] as? String == "ok" })

        let plain = try world.run(["topology", "verify"])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("not checked"))
        #expect(plain.stdout.contains("topology matches"))
    }

    @Test("in partitioned mode, verify checks the hash, unkeyed and control exchanges and the partition bindings")
    func partitionedVerify() async throws {
        try await withSyncEnvironment(partitions: 4) { world in
            let result = try world.run(["topology", "verify", "--rabbitmqctl", "/usr/sbin/rabbitmqctl", "--json"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let checks = try #require(try result.json() as? [[String: Any]])
            let names = Set(checks.compactMap { $0["name"] as? String })
            #expect(names.contains(world.topology.partitionExchange))
            #expect(names.contains(world.topology.partitionQueue(3)))
            #expect(names.contains(world.topology.controlExchange))
            #expect(names.contains("\(world.topology.controlExchange) -> \(world.topology.partitionQueue(3))"))
            #expect(!names.contains(world.topology.workQueue))
            #expect(checks.allSatisfy { $0["status"] as? String == "ok" })
            // A partition exchange that went missing is a mismatch verify must name.
            try await world.connection.openChannel().deleteExchange(world.topology.unkeyedExchange)
            let broken = try world.run(["topology", "verify"])
            #expect(broken.status == 1)
            #expect(broken.stdout.contains(world.topology.unkeyedExchange))
        }
    }

    @Test("verify exits 1 and names the queue when one is missing")
    func missingQueue() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let retryQueue = world.topology.retryQueue(1)
        try await world.connection.openChannel().deleteQueue(retryQueue)

        let result = try world.run(["topology", "verify", "--json"])
        #expect(result.status == 1)
        let checks = try #require(try result.json() as? [[String: Any]])
        let failing = checks.filter { $0["status"] as? String != "ok" && $0["status"] as? String != "not checked" }
        #expect(failing.map { $0["name"] as? String } == [retryQueue])
        #expect(failing.first?["status"] as? String == "missing")
        // Verifying must not have created it.
        let probe = try await world.connection.openChannel()
        await #expect(throws: AMQPError.self) { try await probe.declareQueue(retryQueue, passive: true) }
    }

    @Test("verify exits 1 on a queue declared with other arguments, quoting the broker's difference")
    func queueWithOtherArguments() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let deadQueue = world.topology.deadLetterQueue
        try await world.connection.openChannel().deleteQueue(deadQueue)
        try await world.connection.openChannel().declareQueue(deadQueue, arguments: ["x-queue-type": "classic", "x-message-ttl": 60000])

        let result = try world.run(["topology", "verify"])
        #expect(result.status == 1)
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("queue ") && $0.contains(" \(deadQueue) ") })
        #expect(line.contains("mismatch"))
        #expect(line.contains("x-message-ttl"))
    }

    @Test("verify exits 1 on a work queue with another delivery limit")
    func workQueueWithOtherDeliveryLimit() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let work = try #require(world.topology.queues.first { $0.name == world.topology.workQueue })
        var arguments = work.arguments
        arguments["x-delivery-limit"] = 5
        try await world.connection.openChannel().deleteQueue(work.name)
        try await world.connection.openChannel().declareQueue(work.name, arguments: arguments)

        let result = try world.run(["topology", "verify"])
        #expect(result.status == 1, "\(result.stdout)")
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("queue ") && $0.contains(" \(work.name) ") })
        #expect(line.contains("mismatch"))
    }

    @Test("verify exits 1 on an exchange of another type")
    func exchangeOfOtherType() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await world.connection.openChannel().deleteExchange(world.topology.syncedExchange)
        try await world.connection.openChannel().declareExchange(world.topology.syncedExchange, type: "fanout")

        let result = try world.run(["topology", "verify"])
        #expect(result.status == 1)
        let line = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("exchange ") && $0.contains(" \(world.topology.syncedExchange) ") })
        #expect(line.contains("mismatch"))
    }

    @Test("show lists, without a broker, every exchange and queue declare makes, with roles")
    func show() async throws {
        try await withSyncEnvironment(partitions: 2) { world in
            // The topology flags but --amqp-url (the first two): show talks to no broker.
            let result = try world.run(["topology", "show", "--json"] + world.topologyArguments.dropFirst(2), topologyFlags: false)
            #expect(result.status == 0, "\(result.stderr)")
            let shown = try #require(try result.json() as? [String: Any])
            let exchanges = try #require(shown["exchanges"] as? [[String: Any]])
            let queues = try #require(shown["queues"] as? [[String: Any]])
            #expect(exchanges.compactMap { $0["name"] as? String } == world.topology.exchanges.map(\.name))
            #expect(Set(queues.compactMap { $0["name"] as? String }) == Set(world.topology.queues.map(\.name)))
            let roles = Dictionary(uniqueKeysWithValues: queues.map { ($0["name"] as? String ?? "", $0["role"] as? String ?? "") })
            #expect(roles[world.topology.partitionQueue(1)] == "partition")
            #expect(roles[world.topology.deadLetterQueue] == "dead-letter")
            #expect(roles[world.topology.parkedQueue] == "parked")
            #expect(roles[world.topology.waitingQueue] == "waiting")
            #expect(roles.values.filter { $0 == "retry" }.count == 2 * world.topology.retryDelays.count)
            #expect(roles.values.filter { $0 == "journal" }.count == 1)
        }
    }

    @Test("verify exits 2 when the broker cannot be reached")
    func unreachable() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let result = try world.run(["topology", "verify", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/%2F"], topologyFlags: false)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot reach the broker"))
    }

    @Test("--initial-group-size is part of every quorum queue's declaration: verify passes with the size the queues were made with, not without it")
    func initialGroupSize() async throws {
        try await withSyncEnvironment { world in
            // The world declared its queues without a size; made anew with size 1 (a single node caps any size at 1).
            for queue in world.topology.queues { _ = try await world.connection.openChannel().deleteQueue(queue.name) }
            let declared = try await world.command(["topology", "declare", "--initial-group-size", "1"])
            #expect(declared.status == 0, "\(declared.stderr)")
            #expect(declared.stdout.contains("x-quorum-initial-group-size=1"))
            #expect(try await world.command(["topology", "verify", "--initial-group-size", "1"]).status == 0)
            let without = try await world.command(["topology", "verify"])
            #expect(without.status == 1)
            #expect(without.stdout.contains("x-quorum-initial-group-size"), "\(without.stdout)")
            let variable = try await world.command(["topology", "verify"], environment: ["INITIAL_GROUP_SIZE": "1"])
            #expect(variable.status == 0, "\(variable.stdout)")
            let zero = try await world.command(["topology", "verify", "--initial-group-size", "0"])
            #expect(zero.status != 0 && zero.stderr.contains("--initial-group-size"), "\(zero.stderr)")
        }
    }
}
