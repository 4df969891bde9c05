import ArgumentParser
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters purge --yes`: delete matching dead letters for good.
struct DeadLetterPurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete the dead letters matching the filters (all of them without filters). Needs --yes.",
        discussion: "Without --yes it refuses and exits with status 2. Non-matching messages go back untouched, in order.")

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Really delete: purged messages cannot be recovered.")
    var yes = false

    @Flag(help: "Print the summary and every purged message as JSON.")
    var json = false

    func run() async throws {
        guard yes else {
            OperatorSession.printError(
                "refusing to purge without --yes: purged dead letters are deleted for good "
                    + "(check them with 'hipcall-sync dead-letters list' or 'replay --dry-run' first)")
            throw ExitCode(2)
        }
        let topology = try topology.resolved()
        let filter = try filters.filter()
        let connection = try await OperatorSession.connect(broker)
        let showProgress = OperatorSession.stderrIsTerminal
        let report = try await DeadLetterCommandError.worded {
            try await choice.queue(connection, topology: topology).purge(
                filter: filter, limit: filters.limit
            ) { outcome in
                if showProgress { OperatorSession.printError(outcome.line) }
            }
        }
        await connection.close()
        if json {
            print(report.json(dryRun: false, removedKey: "purged").jsonText)
        } else {
            print("matched \(report.matched), purged \(report.removed), skipped \(report.skipped)")
        }
    }
}
