import ArgumentParser
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters show EVENT_ID`: one dead letter's properties, headers and body.
struct DeadLetterShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show the properties, headers and body of the dead letters with an event id, without removing them.",
        discussion: "Exits with status 1 when no dead letter has the event id.")

    @Argument(help: "The event id (message_id property, else the body's event_id).")
    var eventID: String

    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print a JSON array of the matching messages.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let connection = try await OperatorSession.connect(broker)
        let queue = choice.queue(connection, topology: topology)
        let letters = try await DeadLetterCommandError.worded { try await queue.browse() }.filter { $0.eventID == eventID }
        await connection.close()
        guard !letters.isEmpty else {
            OperatorSession.printError("no dead letter with event id '\(eventID)' in \(queue.queue)")
            throw ExitCode.failure
        }
        if json {
            print(JSONValue.array(letters.map(\.detailJSON)).jsonText)
        } else {
            print(letters.map(\.detailText).joined(separator: "\n\n"))
        }
    }
}
