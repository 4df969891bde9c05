import Foundation
import Testing

/// `hipcall-sync topology delete`, which ops/demo runs to leave nothing behind: against the real
/// broker, with a prefix of the test's own.
@Suite("topology delete")
struct TopologyDeleteTests {
    /// The broker the tests use, and object names no other test uses.
    static func environment(_ prefix: String) -> [String: String] {
        [
            "AMQP_URL": ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F",
            "QUEUE_PREFIX": prefix, "EVENTS_EXCHANGE": "\(prefix).events", "SYNCED_EXCHANGE": "\(prefix).synced",
        ]
    }

    /// The objects `topology verify --json` finds in each status, by name.
    static func statuses(_ run: BinaryRun) throws -> [String: Set<String>] {
        let checks = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]], "\(run)")
        var statuses: [String: Set<String>] = [:]
        for check in checks where check["kind"] as? String != "binding" {
            statuses[check["status"] as? String ?? "?", default: []].insert(check["name"] as? String ?? "?")
        }
        return statuses
    }

    @Test("deletes every queue and exchange of a partitioned topology, the journal stream included")
    func deletesEverything() throws {
        let prefix = "h4-delete-\(UInt32.random(in: 0...UInt32.max))"
        let environment = Self.environment(prefix)
        let declared = try BinaryRun(["topology", "declare", "--partitions", "2", "--json"], environment: environment)
        try #require(declared.exitStatus == 0, "\(declared)")

        let refused = try BinaryRun(["topology", "delete", "--partitions", "2"], environment: environment)
        #expect(refused.exitStatus == 2, "\(refused)")
        let afterRefusal = try BinaryRun(["topology", "verify", "--partitions", "2", "--json"], environment: environment)
        #expect(try Self.statuses(afterRefusal)["missing"] == nil, "\(afterRefusal)")

        let deleted = try BinaryRun(["topology", "delete", "--yes", "--partitions", "2", "--json"], environment: environment)
        #expect(deleted.exitStatus == 0, "\(deleted)")
        for name in ["\(prefix).applied", "\(prefix).dead", "\(prefix).p1", "\(prefix).p1.retry.120000ms", "\(prefix).partitions", "\(prefix).events"] {
            #expect(deleted.stdout.contains("\"\(name)\""), "\(name) not deleted: \(deleted)")
        }
        let verified = try BinaryRun(["topology", "verify", "--partitions", "2", "--json"], environment: environment)
        let statuses = try Self.statuses(verified)
        #expect(Set(statuses.keys) == ["missing"], "left behind: \(statuses)")
        #expect(statuses["missing"]?.contains("\(prefix).applied") == true)
    }
}
