import ArgumentParser
import Foundation
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters edit EVENT_ID`: fix a dead letter's body, check it, and replay it.
struct DeadLetterEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit a dead letter's body ($EDITOR, --body-file or --set), check it with the worker's validation, and replay it.",
        discussion: """
            The edited body is checked exactly as a worker checks an event; an invalid one is refused with the \
            validation's reason (exit 1) and nothing is published. The difference is printed, then, after a yes \
            (asked on the terminal, or --yes), the edited event is replayed like 'replay' does (routing headers \
            kept, failure headers dropped) with x-hipcall-edited-from naming the original event id; the original \
            is removed only once the broker confirmed the edited copy. Declining, or no terminal to ask and no \
            --yes, publishes nothing and exits 2. An unknown event id exits 1.
            """)

    @Argument(help: "The event id (message_id property, else the body's event_id).")
    var eventID: String

    @Option(help: "Replace the body with this file's content, byte for byte.")
    var bodyFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Set a member of the JSON body, e.g. data.name=Acme (the value is JSON when it parses as JSON, else text); repeatable.",
        valueName: "path=value"))
    var changes: [String] = []

    @Flag(help: "Replay the edited event without asking.")
    var yes = false

    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    func validate() throws {
        if bodyFile != nil && !changes.isEmpty { throw ValidationError("--body-file and --set exclude each other") }
        for change in changes where DeadLetterBodyChange(change) == nil {
            throw ValidationError("--set \(change): expected path=value with a dotted path such as data.name=Acme")
        }
    }

    func run() async throws {
        let topology = try topology.resolved()
        let changes = self.changes.compactMap(DeadLetterBodyChange.init)
        let connection = try await OperatorSession.connect(broker)
        let result: (preview: DeadLetterEditPreview, replayed: Bool)
        do {
            result = try await DeadLetterCommandError.worded {
                try await choice.queue(connection, topology: topology).edit(eventID: eventID) { letter in
                    if let bodyFile { return Array(try Data(contentsOf: URL(fileURLWithPath: bodyFile))) }
                    if !changes.isEmpty { return try DeadLetterQueue.body(of: letter, with: changes) }
                    return try await ExternalEditor.edit(letter.delivery.body)
                } confirm: { preview in
                    print(preview.difference.joined(separator: "\n"))
                    if yes { return true }
                    return try await Self.ask("replay the edited event and remove the original? [y/N] ")
                }
            }
        } catch let error as DeadLetterEditError {
            await connection.close()
            OperatorSession.printError("\(error)")
            throw ExitCode.failure
        } catch let error as ExternalEditor.Failure {
            await connection.close()
            OperatorSession.printError("\(error)")
            throw ExitCode.failure
        }
        await connection.close()
        guard result.replayed else {
            OperatorSession.printError("nothing published; the original stays (answer yes, or pass --yes when there is no terminal)")
            throw ExitCode(2)
        }
        print("replayed the edited event with \(SyncHeaders.editedFrom): \(eventID); the original was removed")
    }

    /// Asks `question` on the terminal and reads the answer off the cooperative pool; false when stdin is not a terminal.
    static func ask(_ question: String) async throws -> Bool {
        guard isatty(STDIN_FILENO) != 0 else { return false }
        FileHandle.standardError.write(Data(question.utf8))
        let answer = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: readLine()) }
        }
        return ["y", "yes"].contains(answer?.trimmingCharacters(in: .whitespaces).lowercased() ?? "")
    }
}
