import ArgumentParser
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters list`: the dead letters (or parked ones) as a table or JSON, a page at a time, without consuming any.
struct DeadLetterListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the dead letters (event id, type, external id, reason, attempts, replays, failed at) without removing them.",
        discussion: "--offset skips that many matching messages and --limit stops after that many: pages in queue order.")

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: "Skip this many matching messages first.")
    var offset = 0

    @Flag(help: "Print a JSON array (one object per dead letter) instead of a table.")
    var json = false

    func validate() throws {
        if offset < 0 { throw ValidationError("--offset must be 0 or more, not \(offset)") }
    }

    func run() async throws {
        let topology = try topology.resolved()
        let filter = try filters.filter()
        let connection = try await OperatorSession.connect(broker)
        let queue = choice.queue(connection, topology: topology)
        let letters = try await DeadLetterCommandError.worded {
            try await queue.browse(filter: filter, offset: offset, limit: filters.limit)
        }
        await connection.close()
        if json {
            print(JSONValue.array(letters.map(\.summaryJSON)).jsonText)
        } else if letters.isEmpty {
            print("no dead letters in \(queue.queue)\(offset > 0 ? " after the first \(offset)" : "")")
        } else {
            print(OperatorTable(headers: DeadLetter.tableHeaders, rows: letters.map(\.tableRow)).render())
            let page = offset > 0 || filters.limit != nil ? " (\(offset + 1)-\(offset + letters.count) of the matching ones)" : ""
            print("\(letters.count) dead letter\(letters.count == 1 ? "" : "s") in \(queue.queue)\(page)")
        }
    }
}
