import ArgumentParser
import Foundation
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters stats`: what the dead letters failed with, grouped, without removing any.
struct DeadLetterStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Count the dead letters by error class, reason, type and age, with the oldest and newest, without removing them.",
        discussion: """
            Reasons are grouped with ids, numbers and quoted values replaced ('<id>', '"…"'), HTTP statuses kept. \
            Age buckets: under 1h, 1h to 1d, 1d to 7d, over 7d, unknown (no failure time).
            """)

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print the counts as one JSON object.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let filter = try filters.filter()
        let connection = try await OperatorSession.connect(broker)
        let queue = choice.queue(connection, topology: topology)
        let letters = try await DeadLetterCommandError.worded { try await queue.browse(filter: filter, limit: filters.limit) }
        await connection.close()
        let stats = DeadLetterStats(letters)
        print(json ? stats.json(queue: queue.queue).jsonText : stats.text(queue: queue.queue))
    }
}

extension DeadLetterStats {
    /// The groups in print order: name, then (value, count) by descending count, then value.
    private var groups: [(name: String, counts: [(String, Int)])] {
        func sorted(_ counts: [String: Int]) -> [(String, Int)] {
            counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
        }
        return [
            ("error_class", sorted(byErrorClass)), ("reason", sorted(byReason)), ("type", sorted(byRoutingKey)),
            ("age", AgeBucket.allCases.compactMap { bucket in byAge[bucket].map { (bucket.rawValue, $0) } }),
        ]
    }

    /// `{"queue", "total", "oldest_failed_at", "newest_failed_at", "by_error_class", "by_reason", "by_type", "by_age"}`.
    func json(queue: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "queue": .string(queue), "total": .int(Int64(total)),
            "oldest_failed_at": oldest.map { .string($0.formatted(.iso8601)) } ?? .null,
            "newest_failed_at": newest.map { .string($0.formatted(.iso8601)) } ?? .null,
        ]
        for group in groups {
            object["by_\(group.name)"] = .object(Dictionary(uniqueKeysWithValues: group.counts.map { ($0.0, JSONValue.int(Int64($0.1))) }))
        }
        return .object(object)
    }

    /// A table of every group's counts, then the total and the failure time range.
    func text(queue: String) -> String {
        guard total > 0 else { return "no dead letters in \(queue)" }
        var table = OperatorTable(headers: ["GROUP", "VALUE", "COUNT"])
        for group in groups {
            for (value, count) in group.counts { table.rows.append([group.name, value, String(count)]) }
        }
        return [
            table.render(maxCellWidth: 100),
            "\(total) dead letter\(total == 1 ? "" : "s") in \(queue); oldest failed at \(oldest?.formatted(.iso8601) ?? "-"), "
                + "newest at \(newest?.formatted(.iso8601) ?? "-")",
        ].joined(separator: "\n")
    }
}
