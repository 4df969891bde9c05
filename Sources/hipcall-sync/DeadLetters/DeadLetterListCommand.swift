import ArgumentParser
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters list`: every dead letter as a table or JSON, without consuming any.
struct DeadLetterListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the dead letters (event id, type, external id, reason, attempts, failed at) without removing them.")

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print a JSON array instead of a table.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let connection = try await OperatorSession.connect(broker)
        let letters = try await DeadLetterCommandError.worded { try await DeadLetterQueue(connection: connection, topology: topology).browse() }
        if json {
            print(JSONValue.array(letters.map(\.summaryJSON)).jsonText)
        } else if letters.isEmpty {
            print("no dead letters in \(topology.deadLetterQueue)")
        } else {
            print(OperatorTable(headers: DeadLetter.tableHeaders, rows: letters.map(\.tableRow)).render())
            print("\(letters.count) dead letter\(letters.count == 1 ? "" : "s") in \(topology.deadLetterQueue)")
        }
        await connection.close()
    }
}
