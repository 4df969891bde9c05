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
            message id, content type, persistence and headers, minus every x-hipcall-* header and \
            RabbitMQ's x-death / x-first-death-* / x-last-death-* / x-delivery-count, as a mandatory \
            publish with a publisher confirm; only then is its dead-letter copy acknowledged. \
            Non-matching and failed messages go back to the queue untouched, in order. If the command is \
            killed, nothing is lost: at worst a message is replayed twice. Progress goes to stderr when it \
            is a terminal. Exits with status 1 when any replay failed.
            """)

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Show what would be replayed; publish and remove nothing.")
    var dryRun = false

    @Flag(help: "Print the summary and every matching message as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let filter = try filters.filter()
        let connection = try await OperatorSession.connect(broker)
        let showProgress = OperatorSession.stderrIsTerminal
        let report = try await DeadLetterCommandError.worded {
            try await DeadLetterQueue(connection: connection, topology: topology).replay(
                filter: filter, limit: filters.limit, dryRun: dryRun
            ) { outcome in
                if showProgress { OperatorSession.printError(outcome.line) }
            }
        }
        await connection.close()
        if json {
            print(report.json(dryRun: dryRun, removedKey: "replayed").jsonText)
        } else {
            if dryRun { for outcome in report.outcomes { print(outcome.line) } }
            for outcome in report.outcomes where outcome.action.isFailure { print(outcome.line) }
            print(
                "\(dryRun ? "dry run: " : "")matched \(report.matched), \(dryRun ? "would replay" : "replayed") "
                    + "\(dryRun ? report.matched : report.removed), skipped \(report.skipped), failed \(report.failed)")
        }
        if report.failed > 0 { throw ExitCode.failure }
    }
}
