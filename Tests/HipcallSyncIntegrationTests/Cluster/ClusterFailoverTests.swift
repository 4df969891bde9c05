import AMQPClient
import Foundation
import HipcallSimulator
import Testing
import TestSupport
@testable import HipcallSync

@Suite("A worker on the three-node cluster", .serialized, .enabled(if: TestCluster.isAvailable, "needs ops/test's cluster (HIPCALL_CLUSTER_URLS)"))
struct ClusterFailoverTests {
    /// The `consuming` lines' broker ports of a worker's log, in order.
    static func consumingPorts(_ log: URL) throws -> [Int] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard line.contains(#""message":"consuming"#),
                let broker = line.split(separator: #""broker":""#).dropFirst().first?.split(separator: "\"").first,
                let hostPort = broker.split(separator: "@").last?.split(separator: "/").first,
                let port = hostPort.split(separator: ":").last
            else { return nil }
            return Int(port)
        }
    }

    @Test("a worker whose node is SIGKILLed under a backlog reconnects to another node and syncs every event once")
    func nodeKilledUnderBacklog() async throws {
        let urls = TestCluster.urls
        // This test's own connection (declare, publish) is on c3, which stays up; the worker may use c1 or c2.
        try await withSyncEnvironment(
            faults: SimulatorFaults(latencyMs: 20), brokerURL: "\(urls[0]),\(urls[1])", ownConnectionURL: urls[2]
        ) { world in
            let count = 400
            for index in 0..<count {
                try await world.publish(
                    "company.changed", SyncTestEnvironment.event(externalID: "CLUSTER-\(index)", data: #"{"name":"Node \#(index)"}"#))
            }
            let worker = try world.startWorker(["--concurrency", "2", "--log-level", "info"])
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).worker0.log")
            #expect(try await world.waitUntil { world.records.companies.count >= 20 })
            let port = try #require(try Self.consumingPorts(log).last)
            let node = try #require(try TestCluster.node(port: port), "the worker consumes from port \(port), not c1 or c2")
            let synced = try await TestCluster.withNodeKilled(node) {
                // The worker goes on through the other node, while its own node is still down.
                let moved = try await world.waitUntil(timeout: .seconds(30)) {
                    try Self.consumingPorts(log).last.map { $0 != port } ?? false
                }
                #expect(moved, "the worker did not consume from another node after its node was killed")
                return try await world.waitUntil(timeout: .seconds(60)) { world.records.companies.count >= count }
            }
            #expect(synced, "\(world.records.companies.count) of \(count) records after the kill")
            let companies = world.records.companies
            let names = Dictionary(grouping: companies) { $0[string: "external_id"] ?? "" }
            #expect(companies.count == count, "no record twice")
            for index in 0..<count {
                #expect(names["CLUSTER-\(index)"]?.first?[string: "name"] == "Node \(index)")
            }
            #expect(try await world.depth(world.topology.workQueue) == 0)
            #expect(try await world.takeDeadLetters().isEmpty)
            #expect(worker.process.isRunning, "the worker reconnected rather than exited")
        }
    }
}
