import Foundation
import HipcallSimulator
@testable import HipcallSync
import Testing
import TestSupport

/// The fleet-wide API budget: workers sharing one token pace themselves together to the window that
/// Hipcall reports, as workers die and join, so that the fleet's rate follows the budget and no 429
/// is answered. Worker processes against the simulator's rate limit and the real broker.
@Suite(.serialized) struct FleetBudgetTests {
    /// 300 requests a minute: 5 a second for the whole fleet.
    static let budget = 300

    /// In the shared mode (0) and the partitioned one.
    @Test(.timeLimit(.minutes(2)), arguments: [0, 4])
    func threeWorkersTogetherFollowTheBudgetAcrossADeathAndTwoJoins(partitions: Int) async throws {
        try await withSyncEnvironment(rateLimitPerMinute: Self.budget, partitions: partitions) { world in
            // A backlog that outlasts the test: every company new, so every event costs calls.
            // (Keyed, as publishers do in the partitioned mode.)
            for index in 0..<400 {
                let key = SyncTopology.keyHeaderValue(resource: "companies", externalID: "FLEET-\(index)")
                try await world.publish(
                    "company.changed", SyncTestEnvironment.event(externalID: "FLEET-\(index)", data: #"{"name":"Fleet \#(index)"}"#),
                    headers: [SyncHeaders.key: .string(key)])
            }
            // Two upserts in flight per worker: the burst before the first rate-limit header is small.
            let arguments = ["--concurrency", "2", "--prefetch", "50"]
            let workers = try (0..<3).map { _ in try world.startWorker(arguments) }
            func calls() -> Int { world.simulator.simulator.stats.total }
            func limited() -> Int { world.simulator.simulator.stats.count(status: 429) }
            #expect(try await world.waitUntil(timeout: .seconds(20)) { calls() > 0 })
            let start = calls()
            try await Task.sleep(for: .seconds(12))
            // Each worker alone would spend what is left at 5 a second: 15 a second for three. Together
            // they spend about 5 (60 in 12 s), plus the few calls each made before its first header.
            let first = calls() - start
            #expect(first <= 90, "the fleet spent \(first) calls in 12 s of a \(Self.budget)/min budget")
            #expect(first >= 30, "the fleet spent only \(first) calls in 12 s of a \(Self.budget)/min budget")

            workers[0].kill()
            try world.startWorker(arguments)
            try world.startWorker(arguments)
            let afterChange = calls()
            try await Task.sleep(for: .seconds(12))
            let second = calls() - afterChange
            // One died, two joined: four share the budget, which the fleet keeps following.
            #expect(second <= 90, "after a death and two joins the fleet spent \(second) calls in 12 s")
            #expect(second >= 30, "after a death and two joins the fleet spent only \(second) calls in 12 s")
            #expect(limited() == 0, "Hipcall answered 429 \(limited()) times")
            #expect(world.records.companies.count > 0)
        }
    }
}
