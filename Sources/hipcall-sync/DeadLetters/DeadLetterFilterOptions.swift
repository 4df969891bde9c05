import ArgumentParser
import Foundation
import HipcallSync
import HipcallSyncOperations

/// The filters shared by `dead-letters replay` and `dead-letters purge`.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(help: "Only messages whose error class or error message contains this text (case-insensitive).")
    var reason: String?

    @Option(help: "Only messages of this event type (routing key), e.g. company.changed.")
    var type: String?

    @Option(help: "Only messages whose body has this external_id.")
    var externalID: String?

    @Option(help: ArgumentHelp(
        "Only messages that failed more than this long ago, e.g. 10m, 2h (messages without a failure time never match).",
        valueName: "duration"))
    var olderThan: String?

    @Option(help: "Act on at most this many matching messages.")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit)") }
        if let olderThan { _ = try EnvironmentDefaults.duration(olderThan, name: "--older-than") }
    }

    /// The filter, with `--older-than` measured back from `now`.
    func filter(now: Date = Date()) throws -> DeadLetterFilter {
        var cutoff: Date?
        if let olderThan {
            let age = try EnvironmentDefaults.duration(olderThan, name: "--older-than")
            cutoff = now.addingTimeInterval(-age.timeInterval)
        }
        return DeadLetterFilter(reason: reason, type: type, externalID: externalID, failedBefore: cutoff)
    }
}
