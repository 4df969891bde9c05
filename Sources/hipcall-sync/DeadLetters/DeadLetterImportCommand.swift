import ArgumentParser
import Foundation
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync dead-letters import --file F`: an export file back into the dead-letter queue, or replayed.
struct DeadLetterImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Publish the messages of an export file back into the dead-letter queue exactly as exported, or replay them with --replay.",
        discussion: """
            Every line is read and checked first: a bad line stops the import before anything is published \
            (exit 65, naming the line and the field). Then each message is published with its routing key, \
            properties, headers and body as exported, with a publisher confirm: into the dead-letter queue \
            (through the dead-letter exchange), the parked queue with --parked, or with --replay to the events \
            exchange as 'replay' republishes a dead letter (failure headers dropped, x-hipcall-key kept or \
            computed, x-hipcall-replays counted). Killed midway, running it again publishes the first messages \
            twice (a replayed duplicate is acked as stale). Exits with status 1 when any message was not taken.
            """)

    @Option(help: "The export file to read.")
    var file: String

    @Flag(help: "Replay the messages to the events exchange instead of putting them back into the queue.")
    var replay = false

    @OptionGroup var choice: DeadLetterQueueChoice
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if replay && choice.holding != .deadLetters {
            throw ValidationError("--replay excludes --parked and --waiting: a replay goes to the events exchange")
        }
    }

    func run() async throws {
        let topology = try topology.resolved()
        let records: [DeadLetterRecord]
        do {
            records = try Self.records(in: Array(try Data(contentsOf: URL(fileURLWithPath: file))))
        } catch let error as DeadLetterRecordError {
            OperatorSession.printError("\(file): \(error); nothing was imported")
            throw ExitCode(65)
        } catch {
            OperatorSession.printError("cannot read --file \(file): \(error.localizedDescription)")
            throw ExitCode(2)
        }
        let connection = try await OperatorSession.connect(broker)
        var progress = OperatorProgress(verb: "imported")
        let queue = choice.queue(connection, topology: topology)
        let report = try await DeadLetterCommandError.worded {
            try await queue.importRecords(records, replay: replay) { progress.update($0) }
        }
        progress.finish(records.count)
        await connection.close()
        let target = replay ? topology.eventsExchange : queue.queue
        if json {
            print(JSONValue.object([
                "target": .string(target), "records": .int(Int64(records.count)), "published": .int(Int64(report.published)),
                "failed": .array(report.failures.map { ["record": .int(Int64($0.record)), "error": .string($0.reason)] }),
            ]).jsonText)
        } else {
            for failure in report.failures { print("failed record \(failure.record): \(failure.reason)") }
            print("\(replay ? "replayed" : "imported") \(report.published) of \(records.count) into \(target), failed \(report.failures.count)")
        }
        if !report.failures.isEmpty { throw ExitCode.failure }
    }

    /// Every non-empty line of `bytes` as a record; throws at the first bad line.
    static func records(in bytes: [UInt8]) throws(DeadLetterRecordError) -> [DeadLetterRecord] {
        var records: [DeadLetterRecord] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) {
            records.append(try DeadLetterRecord(line: line, number: index + 1))
        }
        return records
    }
}
