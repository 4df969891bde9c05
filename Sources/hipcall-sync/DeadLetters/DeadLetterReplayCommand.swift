import ArgumentParser
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters replay`: republish matching dead letters to the events exchange.
struct DeadLetterReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Republish dead letters to the events exchange with fresh attempts, and remove them once the broker confirmed.",
        discussion: """
            Each matching message is republished with its original body (byte for byte), routing key, \
            message id, content type, persistence and headers, routing headers included (x-hipcall-key, \
            computed from the body when absent, so a partitioned fleet gets it in its key's partition), \
            minus the worker's failure headers (x-hipcall-error-class, -error, -status, -attempts, \
            -first-failed-at, -last-failed-at, -routing-key) and RabbitMQ's x-death / x-first-death-* / \
            x-last-death-* / x-delivery-count, and with x-hipcall-replays counting the replay, as a \
            mandatory publish with a publisher confirm; only then is its dead-letter copy acknowledged. \
            Loop guard: a dead letter already replayed --max-replays times is moved to <prefix>.parked \
            with the reason (x-hipcall-parked-reason) instead; see it with 'list --parked' and replay it \
            with 'replay --from-parked'. \
            Non-matching and failed messages go back to the queue untouched, in order. If the command is \
            killed, nothing is lost: at worst a message is replayed twice. A progress count and each failure go to \
            stderr when it is a terminal; the summary goes to stdout. Exits with status 1 when any replay failed.
            """)

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Show what would be replayed; publish and remove nothing.")
    var dryRun = false

    @Option(help: "Park a dead letter already replayed this many times instead of replaying it again [$DEAD_LETTER_MAX_REPLAYS, default 3].")
    var maxReplays: Int?

    @Flag(help: "Replay from the parked queue (<prefix>.parked) instead; the loop guard does not apply.")
    var fromParked = false

    @Flag(help: "Replay from the waiting queue (<prefix>.waiting) now instead of when the awaited company is synced.")
    var fromWaiting = false

    func validate() throws {
        if fromParked && fromWaiting { throw ValidationError("--from-parked and --from-waiting exclude each other") }
    }

    static let maxReplaysSetting = SettingName(flag: "--max-replays", variable: "DEAD_LETTER_MAX_REPLAYS")

    @Flag(help: "Print the summary and every matching message as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let filter = try filters.filter()
        let maxReplays = try EnvironmentDefaults.int(
            maxReplays, Self.maxReplaysSetting, default: DeadLetterQueue.defaultMaxReplays, in: 0...1_000)
        let connection = try await OperatorSession.connect(broker)
        var progress = OperatorProgress(verb: dryRun ? "examined" : "replayed or parked")
        var handled = 0
        let report = try await DeadLetterCommandError.worded {
            try await DeadLetterQueue(
                connection: connection, topology: topology, holding: fromParked ? .parked : fromWaiting ? .waiting : .deadLetters).replay(
                filter: filter, limit: filters.limit, dryRun: dryRun, maxReplays: maxReplays
            ) { outcome in
                handled += 1
                if outcome.action.isFailure { progress.note(outcome.line) }
                progress.update(handled)
            }
        }
        progress.finish(handled)
        await connection.close()
        if json {
            print(report.json(dryRun: dryRun, removedKey: "replayed").jsonText)
        } else {
            if dryRun { for outcome in report.outcomes { print(outcome.line) } }
            for outcome in report.outcomes where outcome.action.isFailure { print(outcome.line) }
            print(
                "\(dryRun ? "dry run: " : "")matched \(report.matched), \(dryRun ? "would replay" : "replayed") "
                    + "\(dryRun ? report.matched - report.parked : report.removed), \(dryRun ? "would park" : "parked") \(report.parked), "
                    + "skipped \(report.skipped), failed \(report.failed)")
        }
        if report.failed > 0 { throw ExitCode.failure }
    }
}
