import AMQPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hipcall
import HipcallSimulator
@testable import HipcallSync
import Synchronization
import Testing

@Suite("Worker: partitioned mode", .serialized)
struct PartitionTests {
    @Test("three workers on 8 partitions settle to 3/3/2, each partition held by exactly one; a fourth joins and they settle to 2/2/2/2")
    func balance() async throws {
        try await withSyncEnvironment(partitions: 8) { world in
            let workers = try (0..<3).map { _ in try world.startWorker(["--concurrency", "8"]) }
            let started = ContinuousClock.now
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await PartitionSpread(workers).isBalanced(partitions: 8) })
            let settled = ContinuousClock.now - started
            let spread = await PartitionSpread(workers)
            #expect(spread.counts.sorted() == [2, 3, 3], "spread \(spread.held)")
            let joined = ContinuousClock.now
            let fourth = try world.startWorker(["--concurrency", "8"])
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await PartitionSpread(workers + [fourth]).isBalanced(partitions: 8) })
            let rebalanced = ContinuousClock.now - joined
            let after = await PartitionSpread(workers + [fourth])
            #expect(after.counts.sorted() == [2, 2, 2, 2], "spread \(after.held)")
            print("FIGURE balance: 3 workers settled in \(settled); a 4th joined and the spread settled in \(rebalanced)")
        }
    }

    @Test("killing the active worker moves its partitions to a standby with nothing lost; every record ends at its last event")
    func failover() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 30), partitions: 4) { world in
            let first = try world.startWorker(["--concurrency", "8"])
            #expect(try await world.waitUntil { await PartitionSpread([first]).counts == [4] })
            let second = try world.startWorker(["--concurrency", "8"])
            #expect(try await world.waitUntil(timeout: .seconds(30)) { await PartitionSpread([first, second]).isBalanced(partitions: 4) })
            let keys = (0..<60).map { "FO-\($0)" }
            let rounds = 10
            for round in 0..<rounds {
                for key in keys {
                    try await world.publishKeyed(
                        "company.changed", resource: "companies", externalID: key,
                        SyncTestEnvironment.event(at: "2026-11-25T10:\(String(format: "%02d", round)):00Z", externalID: key, data: #"{"name":"\#(key) v\#(round)"}"#))
                }
            }
            #expect(try await world.waitUntil { world.records.companies.count >= 5 })
            let victim = await PartitionSpread([first, second]).held[0].isEmpty ? second : first
            let standby = victim.process === first.process ? second : first
            let standbyBefore = await standby.events()
            victim.kill()
            let killed = ContinuousClock.now
            #expect(try await world.waitUntil(timeout: .seconds(30)) { await PartitionSpread([standby]).counts == [4] })
            print("FIGURE failover: the standby reported all 4 partitions \(ContinuousClock.now - killed) after the SIGKILL")
            #expect(try await world.waitUntil(timeout: .seconds(60)) { try await world.partitionDepth() == 0 })
            try await Task.sleep(for: .seconds(1))
            #expect(await standby.events() > standbyBefore, "nothing was left for the standby; the test proves nothing")
            #expect(world.records.companies.count == keys.count)
            let names = Dictionary(uniqueKeysWithValues: world.records.companies.map { ($0.externalID ?? "", $0[string: "name"] ?? "") })
            #expect(keys.allSatisfy { names[$0] == "\($0) v\(rounds - 1)" })
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("many quick updates per key on three workers leave every record equal to its key's last event")
    func ordering() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 2, jitterMs: 15), partitions: 8) { world in
            let (workers, stale) = try await Self.runUpdateStream(in: world)
            #expect(stale.isEmpty, "records not at their last event: \(stale)")
            #expect(try await world.waitUntil(timeout: .seconds(30)) { await PartitionSpread(workers).isBalanced(partitions: 8) })
        }
    }

    /// Queues 10 updates for each of 30 keys before three workers start (so each worker's first
    /// prefetch mixes many versions of the same keys), waits until all are settled, and returns the
    /// workers and the records not equal to their key's last event.
    static func runUpdateStream(in world: SyncTestEnvironment) async throws -> (workers: [WorkerProcess], stale: [String]) {
        let keys = (0..<30).map { "ORD-\($0)" }
        let rounds = 10
        for round in 0..<rounds {
            for key in keys {
                try await world.publishKeyed(
                    "company.changed", resource: "companies", externalID: key,
                    SyncTestEnvironment.event(
                        at: "2026-11-25T10:00:\(String(format: "%02d", round))Z", externalID: key, data: #"{"name":"\#(key) v\#(round)"}"#))
            }
        }
        let workers = try (0..<3).map { _ in try world.startWorker(["--concurrency", "16"]) }
        #expect(try await world.waitUntil(timeout: .seconds(90)) { await world.settledEvents() == keys.count * rounds })
        #expect(world.records.companies.count == keys.count)
        #expect(try await world.takeDeadLetters().isEmpty)
        let names = Dictionary(uniqueKeysWithValues: world.records.companies.map { ($0.externalID ?? "", $0[string: "name"] ?? "") })
        return (workers, keys.filter { names[$0] != "\($0) v\(rounds - 1)" }.map { "\($0)=\(names[$0] ?? "-")" })
    }

    @Test("partitions migrating to a joining worker under load lose nothing and duplicate nothing")
    func migrationUnderLoad() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 5, jitterMs: 10), partitions: 8) { world in
            var workers = [try world.startWorker(["--concurrency", "8"])]
            #expect(try await world.waitUntil { await PartitionSpread(workers).counts == [8] })
            let keys = (0..<60).map { "MIG-\($0)" }
            let rounds = 20
            let publisher = Task {
                for round in 0..<rounds {
                    for key in keys {
                        try await world.publishKeyed(
                            "company.changed", resource: "companies", externalID: key,
                            SyncTestEnvironment.event(
                                at: "2026-11-25T11:00:\(String(format: "%02d", round))Z", externalID: key, data: #"{"name":"\#(key) m\#(round)"}"#))
                    }
                    try await Task.sleep(for: .milliseconds(400))
                }
            }
            try await Task.sleep(for: .milliseconds(400))
            workers.append(try world.startWorker(["--concurrency", "8"]))
            try await Task.sleep(for: .milliseconds(600))
            workers.append(try world.startWorker(["--concurrency", "8"]))
            try await publisher.value
            #expect(try await world.waitUntil(timeout: .seconds(90)) { await world.settledEvents() >= keys.count * rounds })
            #expect(try await world.waitUntil(timeout: .seconds(30)) { await PartitionSpread(workers).isBalanced(partitions: 8) })
            try await Task.sleep(for: .seconds(2))
            #expect(await world.settledEvents() == keys.count * rounds)
            #expect(try await world.waitUntil { try await world.partitionDepth() == 0 })
            let moved = await workers.dropFirst().asyncSum { await $0.events() }
            #expect(moved > 0, "no partition moved to a joining worker while events flowed; the test proves nothing")
            #expect(world.records.companies.count == keys.count)
            let names = Dictionary(uniqueKeysWithValues: world.records.companies.map { ($0.externalID ?? "", $0[string: "name"] ?? "") })
            #expect(keys.allSatisfy { names[$0] == "\($0) m\(rounds - 1)" })
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("events without x-hipcall-key are processed; a contact before its company retries in its own partition")
    func unkeyedAndRetry() async throws {
        try await withSyncEnvironment(partitions: 4) { world in
            try world.startWorker()
            for key in 0..<10 {
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "UNK-\(key)", data: #"{"name":"Unkeyed \#(key)"}"#))
            }
            #expect(try await world.waitUntil { world.records.companies.count == 10 })
            try await world.publishKeyed(
                "contact.changed", resource: "contacts", externalID: "P-1",
                SyncTestEnvironment.event(externalID: "P-1", data: #"{"first_name":"Grace","company_external_id":"CO-LATE"}"#))
            try await Task.sleep(for: .milliseconds(500))
            #expect(world.records.contacts.isEmpty)
            try await world.publishKeyed(
                "company.changed", resource: "companies", externalID: "CO-LATE",
                SyncTestEnvironment.event(externalID: "CO-LATE", data: #"{"name":"Late Co"}"#))
            #expect(try await world.waitUntil { world.records.contacts.count == 1 })
            let company = try #require(world.records.companies.first { $0.externalID == "CO-LATE" })
            #expect(world.records.contacts.first?.fields["company_id"] == .int(company.id))
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("SIGTERM in the partitioned mode exits 0 and leaves nothing unacked or lost")
    func gracefulShutdown() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 100), partitions: 4) { world in
            for key in 0..<60 {
                try await world.publishKeyed(
                    "company.changed", resource: "companies", externalID: "GP-\(key)",
                    SyncTestEnvironment.event(externalID: "GP-\(key)", data: #"{"name":"GP \#(key)"}"#))
            }
            // A small window, so that most events are still in the queues when SIGTERM comes.
            let worker = try world.startWorker(["--concurrency", "4", "--prefetch", "8"])
            #expect(try await world.waitUntil { world.records.companies.count >= 4 })
            #expect(await worker.terminate() == 0)
            let remaining = try await world.takePartitionEvents().count
            #expect(remaining > 0, "the worker finished before SIGTERM; the test proves nothing")
            #expect(remaining + world.records.companies.count == 60)
        }
    }

    @Test("the same key always lands in the same partition; unkeyed events are routed, not dropped")
    func routing() async throws {
        try await withSyncEnvironment(partitions: 8) { world in
            for copy in 0..<5 {
                for key in 0..<20 {
                    try await world.publishKeyed(
                        "company.changed", resource: "companies", externalID: "R-\(key)",
                        SyncTestEnvironment.event(id: "r-\(key)-\(copy)", externalID: "R-\(key)", data: #"{"name":"R"}"#))
                }
            }
            try await world.publish("contact.changed", SyncTestEnvironment.event(externalID: "NOKEY", data: #"{"first_name":"N"}"#))
            let taken = try await world.takePartitionEvents()
            let total = taken.count
            let partitionOfKey = Dictionary(taken.map { ($0.key, Set([$0.partition])) }, uniquingKeysWith: { $0.union($1) })
            #expect(total == 101)
            #expect(partitionOfKey.values.allSatisfy { $0.count == 1 })
            #expect(Set(partitionOfKey.values.map { $0.first! }).count > 3, "keys should spread over the partitions")
        }
    }

    @Test(
        "figures: events per second, shared mode vs 8 partitions, three workers, from a full queue and in steady state",
        .tags(.figures), .enabled(if: ProcessInfo.processInfo.environment["HIPCALL_SYNC_FIGURES"] != nil, "set HIPCALL_SYNC_FIGURES=1"),
        arguments: [5, 25])
    func throughput(latencyMs: Int) async throws {
        for partitions in [0, 8] {
            for warm in [false, true] {
                try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: latencyMs), partitions: partitions) { world in
                    var workers: [WorkerProcess] = []
                    if warm {
                        workers = try (0..<3).map { _ in try world.startWorker(["--concurrency", "16"]) }
                        if partitions > 0 {
                            #expect(try await world.waitUntil { await PartitionSpread(workers).isBalanced(partitions: partitions) })
                        } else {
                            try await Task.sleep(for: .seconds(2))
                        }
                    }
                    let keys = 900
                    let events = keys * 5
                    let started = ContinuousClock.now
                    for start in stride(from: 0, to: events, by: 100) {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for index in start..<min(start + 100, events) {
                                let key = "TP-\(index % keys)"
                                group.addTask {
                                    try await world.publishKeyed(
                                        "company.changed", resource: "companies", externalID: key,
                                        SyncTestEnvironment.event(
                                            at: "2026-11-25T10:00:\(String(format: "%02d", index / keys))Z", externalID: key,
                                            data: #"{"name":"\#(key) \#(index / keys)"}"#))
                                }
                            }
                            try await group.waitForAll()
                        }
                    }
                    if !warm { workers = try (0..<3).map { _ in try world.startWorker(["--concurrency", "16"]) } }
                    #expect(try await world.waitUntil(timeout: .seconds(180)) { await world.settledEvents() == events })
                    let elapsed = ContinuousClock.now - started
                    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                    print(
                        "FIGURE throughput latency=\(latencyMs)ms partitions=\(partitions) \(warm ? "steady (workers running, publish included)" : "full queue (publish and worker start included)"): \(events) events in \(seconds.formatted(.number.precision(.fractionLength(2))))s = \(Int(Double(events) / seconds))/s"
                    )
                }
            }
        }
    }
}

/// The (partition, key header) of each message a test consumed from the partition queues.
final class RoutedMessages: Sendable {
    let items = Mutex<[(partition: Int, key: String)]>([])
}

extension Tag {
    /// Measurements printed for the report rather than behaviour checks.
    @Tag static var figures: Self
}

/// Which partitions each worker says it holds (`hipcall_sync_partition_active` = 1).
struct PartitionSpread {
    let held: [Set<Int>]

    init(_ workers: [WorkerProcess]) async {
        var held: [Set<Int>] = []
        for worker in workers { held.append(await worker.heldPartitions()) }
        self.held = held
    }

    var counts: [Int] { held.map(\.count) }

    /// Every partition held by exactly one worker, and every worker within one of the others.
    func isBalanced(partitions: Int) -> Bool {
        let all = held.flatMap { $0 }
        guard all.count == partitions, Set(all).count == partitions, let most = counts.max(), let least = counts.min() else {
            return false
        }
        return most - least <= 1
    }
}

extension WorkerProcess {
    /// The partitions whose `hipcall_sync_partition_active` gauge is 1 on this worker.
    func heldPartitions() async -> Set<Int> {
        guard process.isRunning, let url = URL(string: "http://127.0.0.1:\(metricsPort)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return [] }
        var held: Set<Int> = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("hipcall_sync_partition_active{") {
            guard let partition = line.split(separator: "partition=\"").dropFirst().first?.split(separator: "\"").first.flatMap({ Int($0) }),
                let value = line.split(separator: " ").last.flatMap({ Double($0) }), value == 1
            else { continue }
            held.insert(partition)
        }
        return held
    }
}

extension SyncTestEnvironment {
    /// Publishes an event with the `x-hipcall-key` header, as the bundled publisher does.
    func publishKeyed(_ routingKey: String, resource: String, externalID: String, _ body: String) async throws {
        let key = SyncTopology.keyHeaderValue(resource: resource, externalID: externalID)
        let outcome = try await channel.publish(
            exchange: topology.eventsExchange, routingKey: routingKey, body: Array(body.utf8),
            properties: AMQPProperties(contentType: "application/json", headers: [SyncHeaders.key: .string(key)], persistent: true),
            mandatory: true)
        precondition(outcome == .confirmed, "publish was \(outcome)")
    }

    /// Consumes every partition queue until nothing more arrives for half a second; returns the
    /// partition and `x-hipcall-key` of each event (not probe) it took. (`basic.get` is refused on
    /// single-active-consumer quorum queues.)
    func takePartitionEvents() async throws -> [(partition: Int, key: String)] {
        let taken = RoutedMessages()
        var consumers: [AMQPConsumer] = []
        for partition in 0..<topology.partitions {
            let consumer = try await connection.openChannel().consume(queue: topology.partitionQueue(partition))
            consumers.append(consumer)
            Task { [partition] in
                for try await delivery in consumer {
                    if delivery.headers["x-hipcall-probe"] == nil {
                        taken.items.withLock { $0.append((partition, delivery.headers[SyncHeaders.key]?.stringValue ?? "none")) }
                    }
                    try delivery.ack()
                }
            }
        }
        var last = -1
        while last != taken.items.withLock({ $0.count }) {
            last = taken.items.withLock { $0.count }
            try await Task.sleep(for: .milliseconds(500))
        }
        for consumer in consumers { try await consumer.cancel() }
        return taken.items.withLock { $0 }
    }

    /// Messages waiting in every partition queue and partition retry queue.
    func partitionDepth() async throws -> UInt32 {
        var total: UInt32 = 0
        for queue in topology.queues where queue.name != topology.deadLetterQueue && queue.name != topology.journalStream {
            total += try await depth(queue.name)
        }
        return total
    }
}

extension Sequence where Element: Sendable {
    /// The sum of an async value over the elements.
    func asyncSum(_ value: (Element) async -> Int) async -> Int {
        var total = 0
        for element in self { total += await value(element) }
        return total
    }
}
