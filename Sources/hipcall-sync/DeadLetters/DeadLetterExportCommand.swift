import ArgumentParser
import Foundation
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters export --file F`: the matching dead letters to an NDJSON file, optionally off the queue.
struct DeadLetterExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the matching dead letters to a new NDJSON file, one a line, losing nothing; --remove takes them off the queue.",
        discussion: """
            Each line holds the routing key, every basic property, every header with its AMQP type and the body \
            byte for byte (as text when it is UTF-8 JSON, else base64); 'dead-letters import' reads it back. \
            Without --remove nothing leaves the queue. With --remove a message is acknowledged only after the \
            file holding its line was flushed and synced to disk, so a crash or a full disk loses nothing (at \
            worst a message is both in the file and still in the queue). The file must not exist yet (exit 2 \
            otherwise); it is created with mode 0600.
            """)

    @Option(help: "The file to write (created; must not exist).")
    var file: String

    @Flag(help: "Remove each exported message from the queue once the file holding it is synced.")
    var remove = false

    @OptionGroup var filters: DeadLetterFilterOptions
    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print the summary and every exported message as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let filter = try filters.filter()
        // The broker first: an unreachable one must not leave an empty file that a re-run then refuses.
        let connection = try await OperatorSession.connect(broker)
        let descriptor = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            OperatorSession.printError("cannot create --file \(file): \(String(cString: strerror(errno))) (export writes a new file only)")
            throw ExitCode(2)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var progress = OperatorProgress(verb: "exported")
        var handled = 0
        let queue = choice.queue(connection, topology: topology)
        let report = try await DeadLetterCommandError.worded {
            try await queue.export(filter: filter, limit: filters.limit, remove: remove, to: handle) { _ in
                handled += 1
                progress.update(handled)
            }
        }
        progress.finish(handled)
        await connection.close()
        try handle.close()
        if json {
            print(report.json(dryRun: false, removedKey: "removed").jsonText)
        } else {
            print("exported \(report.matched) to \(file), removed \(report.removed) from \(queue.queue), skipped \(report.skipped)")
        }
    }
}
