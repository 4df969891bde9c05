import AMQPClient
import Foundation
@testable import HipcallSync
import Testing

@Suite("dead-letters: stats and paged list", .serialized)
struct DeadLetterStatsTests {
    @Test("stats count what the queue holds by class, normalised reason, type and age, with the oldest and newest failure")
    func statsMatchTheQueue() async throws {
        try await withSyncEnvironment { world in
            let now = Date()
            let seeded: [(String, String, String, String, TimeInterval)] = [
                ("company.changed", "permanent", "HTTP 422: name 'Zoë' of ERP-17 is invalid", "a", 0),
                ("company.changed", "permanent", "HTTP 422: name 'Al' of ERP-9 is invalid", "b", 2 * 3_600),
                ("contact.changed", "transient", "HTTP 503: unavailable", "c", 3 * 86_400),
                ("company.changed", "transient", "HTTP 503: unavailable", "d", 10 * 86_400),
            ]
            for (routingKey, errorClass, error, id, age) in seeded {
                try await world.deadLetter(
                    routingKey, body: SyncTestEnvironment.event(id: id, externalID: "X-\(id)", data: "{}"), messageID: id,
                    errorClass: errorClass, error: error, failedAt: now.addingTimeInterval(-age))
            }

            let result = try world.run(["dead-letters", "stats", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let stats = try #require(try result.json() as? [String: Any])
            #expect(stats["total"] as? Int == 4)
            #expect(stats["by_error_class"] as? [String: Int] == ["permanent": 2, "transient": 2])
            #expect(stats["by_reason"] as? [String: Int] == ["permanent: HTTP 422: name '…' of <id> is invalid": 2, "transient: HTTP 503: unavailable": 2])
            #expect(stats["by_type"] as? [String: Int] == ["company.changed": 3, "contact.changed": 1])
            #expect(stats["by_age"] as? [String: Int] == ["under 1h": 1, "1h to 1d": 1, "1d to 7d": 1, "over 7d": 1])
            let oldest = try #require((stats["oldest_failed_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            let newest = try #require((stats["newest_failed_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
            #expect(abs(oldest.timeIntervalSince(now.addingTimeInterval(-10 * 86_400))) < 1.5)
            #expect(abs(newest.timeIntervalSince(now)) < 1.5)

            // The same counts as the queue's content read one by one.
            let rows = try #require(try world.run(["dead-letters", "list", "--json"]).json() as? [[String: Any]])
            let classes = Dictionary(grouping: rows.compactMap { $0["error_class"] as? String }, by: { $0 }).mapValues(\.count)
            #expect(stats["by_error_class"] as? [String: Int] == classes)
            let types = Dictionary(grouping: rows.compactMap { $0["type"] as? String }, by: { $0 }).mapValues(\.count)
            #expect(stats["by_type"] as? [String: Int] == types)

            let table = try world.run(["dead-letters", "stats"])
            #expect(table.status == 0)
            #expect(table.stdout.contains("GROUP"))
            #expect(table.stdout.contains("transient: HTTP 503: unavailable"))
            #expect(table.stdout.contains("4 dead letters in \(world.topology.deadLetterQueue)"))

            let filtered = try #require(try world.run(["dead-letters", "stats", "--type", "contact.changed", "--json"]).json() as? [String: Any])
            #expect(filtered["total"] as? Int == 1)
            #expect(try await world.depth(world.topology.deadLetterQueue) == 4, "stats removes nothing")
        }
    }

    @Test("list pages with --offset and --limit in queue order, and --json prints one object per dead letter")
    func listPages() async throws {
        try await withSyncEnvironment { world in
            for index in 1...5 {
                try await world.deadLetter(
                    "company.changed", body: SyncTestEnvironment.event(id: "p-\(index)", externalID: "E-\(index)", data: "{}"),
                    messageID: "p-\(index)")
            }
            let page = try #require(try world.run(["dead-letters", "list", "--offset", "1", "--limit", "2", "--json"]).json() as? [[String: Any]])
            #expect(page.map { $0["event_id"] as? String } == ["p-2", "p-3"])
            #expect(page.allSatisfy { $0["replays"] as? Int == 0 })
            let last = try #require(try world.run(["dead-letters", "list", "--offset", "4", "--json"]).json() as? [[String: Any]])
            #expect(last.map { $0["event_id"] as? String } == ["p-5"])
            let table = try world.run(["dead-letters", "list", "--offset", "3", "--limit", "5"])
            #expect(table.stdout.contains("2 dead letters in \(world.topology.deadLetterQueue) (4-5 of the matching ones)"), "\(table.stdout)")
            let beyond = try world.run(["dead-letters", "list", "--offset", "9"])
            #expect(beyond.status == 0)
            #expect(beyond.stdout.contains("no dead letters"))
            let bad = try world.run(["dead-letters", "list", "--offset", "-1"])
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("--offset"))
            #expect(try await world.deadLetterIDs() == (1...5).map { "p-\($0)" })
        }
    }
}
