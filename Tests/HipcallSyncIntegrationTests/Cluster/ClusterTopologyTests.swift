import AMQPClient
import Foundation
import Testing
import TestSupport
@testable import HipcallSync

@Suite("The topology on the three-node cluster", .serialized, .enabled(if: TestCluster.isAvailable, "needs ops/test's cluster (HIPCALL_CLUSTER_URLS)"))
struct ClusterTopologyTests {
    /// Each queue's member count, from `rabbitmqctl list_queues name members` on node c1.
    private func memberCounts() async throws -> [String: Int] {
        let output = try await offThePool {
            try TestBroker.rabbitmqctl(["-n", "hipcall-c1@localhost", "list_queues", "name", "members", "--no-table-headers"]).output
        }
        var counts: [String: Int] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            guard fields.count == 2 else { continue }
            counts[String(fields[0])] = fields[1].split(separator: "@").count - 1
        }
        return counts
    }

    /// Declares `topology` through node c1, runs `body`, and deletes its queues and exchanges.
    private func withDeclared(_ topology: SyncTopology, _ body: () async throws -> Void) async throws {
        let connection = try await AMQPConnection.connect(url: TestCluster.urls[0])
        do {
            try await topology.declare(on: connection.openChannel())
            try await body()
        } catch {
            for queue in topology.queues { _ = try? await connection.openChannel().deleteQueue(queue.name) }
            await connection.close()
            throw error
        }
        for queue in topology.queues { _ = try? await connection.openChannel().deleteQueue(queue.name) }
        for exchange in topology.exchanges { try? await connection.openChannel().deleteExchange(exchange.name) }
        await connection.close()
    }

    @Test("every queue of the topology (work, retry, dead-letter, parked, waiting, journal) has a member on each node")
    func everyQueueReplicated() async throws {
        let id = TestBroker.uniqueID()
        let topology = SyncTopology(eventsExchange: "test.\(id).events", prefix: "test.\(id)", syncedExchange: "test.\(id).synced")
        try await withDeclared(topology) {
            let counts = try await memberCounts()
            for queue in topology.queues { #expect(counts[queue.name] == 3, "\(queue.name): \(counts[queue.name] ?? 0) members") }
        }
    }

    @Test("--initial-group-size 2 starts each quorum queue on two nodes (the journal stream stays on all three)")
    func initialGroupSize() async throws {
        let id = TestBroker.uniqueID()
        let topology = SyncTopology(
            eventsExchange: "test.\(id).events", prefix: "test.\(id)", syncedExchange: "test.\(id).synced", partitions: 2,
            initialGroupSize: 2)
        try await withDeclared(topology) {
            let counts = try await memberCounts()
            for queue in topology.queues {
                #expect(counts[queue.name] == (queue.name == topology.journalStream ? 3 : 2), "\(queue.name): \(counts[queue.name] ?? 0) members")
            }
        }
    }
}
