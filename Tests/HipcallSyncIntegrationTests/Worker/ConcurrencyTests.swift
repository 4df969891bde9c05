import Foundation
import Hipcall
import HipcallSimulator
import Testing

@Suite("Worker: races, crashes and coalescing", .serialized)
struct ConcurrencyTests {
    @Test("two workers on one queue with heavily overlapping keys: one record per key, each equal to its last event")
    func overlappingWorkers() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 5, jitterMs: 10)) { world in
            try world.startWorker(["--concurrency", "16"])
            try world.startWorker(["--concurrency", "16"])
            try await Task.sleep(for: .milliseconds(500))
            let keys = (0..<40).map { "HOT-\($0)" }
            for round in 0..<5 {
                for key in keys {
                    try await world.publish(
                        "company.changed",
                        SyncTestEnvironment.event(at: "2026-11-25T10:0\(round):00Z", externalID: key, data: #"{"name":"\#(key) v\#(round)"}"#))
                }
            }
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() == keys.count * 5 })
            #expect(world.records.companies.count == keys.count)
            #expect(Set(world.records.companies.compactMap(\.externalID)).count == keys.count)
            // One last settling event per key once the queue drained: every record ends equal to it.
            for key in keys {
                try await world.publish(
                    "company.changed",
                    SyncTestEnvironment.event(at: "2026-11-25T11:00:00Z", externalID: key, data: #"{"name":"\#(key) final"}"#))
            }
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() == keys.count * 6 })
            let names = Dictionary(uniqueKeysWithValues: world.records.companies.map { ($0.externalID ?? "", $0[string: "name"] ?? "") })
            #expect(keys.allSatisfy { names[$0] == "\($0) final" })
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("racing creates of one record by two workers end in exactly one record")
    func race() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 30)) { world in
            // Publish before the workers start, each key's copies spread over the queue, so that both
            // workers hold events for the same keys at once.
            for copy in 0..<4 {
                for key in 0..<10 {
                    try await world.publish(
                        "company.changed",
                        SyncTestEnvironment.event(at: "2026-11-25T10:00:0\(copy)Z", externalID: "RACE-\(key)", data: #"{"name":"Race \#(key)"}"#))
                }
            }
            try world.startWorker(["--concurrency", "8", "--prefetch", "8"])
            try world.startWorker(["--concurrency", "8", "--prefetch", "8"])
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() == 40 })
            #expect(world.records.companies.count == 10)
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("a worker killed with SIGKILL mid-upserts and restarted loses nothing and duplicates nothing")
    func killAndRestart() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 20)) { world in
            let keys = 150
            for key in 0..<keys {
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "K-\(key)", data: #"{"name":"Kill \#(key)"}"#))
            }
            let first = try world.startWorker(["--concurrency", "8"])
            #expect(try await world.waitUntil { world.records.companies.count >= 10 })
            first.kill()
            let applied = world.records.companies.count
            #expect(applied < keys, "the worker finished before it was killed; the test proves nothing")
            try world.startWorker(["--concurrency", "8"])
            #expect(try await world.waitUntil(timeout: .seconds(60)) { world.records.companies.count >= keys })
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await world.depth(world.topology.workQueue) == 0)
            #expect(world.records.companies.count == keys)
            #expect(Set(world.records.companies.compactMap(\.externalID)).count == keys)
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("N queued events for one key cost fewer than N PATCHes")
    func coalescing() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 50)) { world in
            try await world.publish("company.changed", SyncTestEnvironment.event(at: "2026-11-25T09:00:00Z", externalID: "CO-1", data: #"{"name":"v0"}"#))
            let worker = try world.startWorker(["--concurrency", "32"])
            #expect(try await world.waitUntil { world.records.companies.count == 1 })
            let patchesBefore = world.simulator.simulator.stats.count(method: "PATCH")
            let events = 20
            for index in 1...events {
                try await world.publish(
                    "company.changed",
                    SyncTestEnvironment.event(at: "2026-11-25T10:00:\(String(format: "%02d", index))Z", externalID: "CO-1", data: #"{"name":"v\#(index)"}"#))
            }
            #expect(try await world.waitUntil { await worker.events() == events + 1 })
            let patches = world.simulator.simulator.stats.count(method: "PATCH") - patchesBefore
            #expect(patches < events)
            #expect(world.records.companies.first?[string: "name"] == "v\(events)")
        }
    }

    @Test("SIGTERM stops the worker gracefully: it exits 0 and leaves nothing unacked")
    func gracefulShutdown() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(latencyMs: 100)) { world in
            for key in 0..<60 {
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "G-\(key)", data: #"{"name":"G \#(key)"}"#))
            }
            // A small window, so that most events are still in the queue when SIGTERM comes.
            let worker = try world.startWorker(["--concurrency", "4", "--prefetch", "8"])
            #expect(try await world.waitUntil { world.records.companies.count >= 4 })
            #expect(await worker.terminate() == 0)
            let remaining = try await world.depth(world.topology.workQueue)
            #expect(remaining > 0, "the worker finished before SIGTERM; the test proves nothing")
            #expect(Int(remaining) + world.records.companies.count == 60)
        }
    }
}
