import AMQPClient
import ArgumentParser
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import SyntheticLoad

/// `hipcall-sync publish`: publishes CRM events, real ones from NDJSON or synthetic ones for load
/// tests and fault drills, with publisher confirms, and reports rate and confirm latency.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish CRM change events: real ones from NDJSON, or synthetic ones for load tests and fault drills.",
        discussion: """
            With --file, every line is one event published byte for byte; its routing key is the line's \
            top-level "type" ("company.changed" or "contact.changed"), else --routing-key. Every line must pass \
            the worker's validation; the first bad line stops the run before anything is sent (exit 65). \
            Without --file, --count synthetic events are generated (valid companies and contacts with E.164 \
            phones, emails and URLs; contacts name their company by company_external_id). Give at most two of \
            --count, --keys and --updates-per-key. --seed reproduces a run; occurred_at starts at --start-time.

            Every event is persistent JSON with message_id = event_id, timestamp = the publish time in Unix \
            seconds, and the headers x-hipcall-key = <resource>:<external_id> and x-hipcall-published-at = the \
            publish time in Unix milliseconds as a decimal string (the worker's publish-to-ack latency), \
            published mandatory with publisher confirms. Unknown-routing-key poison \
            events travel on a bound key with x-hipcall-routing-key naming the unknown one, so the worker \
            dead-letters them like the rest. The topology is declared first unless --no-declare.

            The report goes to stdout (--json for a machine-readable one); a live progress line goes to \
            stderr when it is a terminal. Exit status: 0 when every event was confirmed; 1 when any was \
            returned or nacked, or the broker failed; 64 for bad options; 65 for a bad input line.

            'publish verify' checks that Hipcall's records reached the state --expect-file wrote.
            """,
        subcommands: [PublishVerifyCommand.self])

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: ArgumentHelp("NDJSON file of events to publish, - for standard input.", valueName: "path"))
    var file: String?

    @Option(help: "Routing key for --file lines without a \"type\" member: company.changed or contact.changed.")
    var routingKey: String?

    @Option(help: "Synthetic events to publish, duplicates and invalid ones included [default 1000].")
    var count: Int?

    @Option(help: "Events per second; 0 publishes as fast as the broker confirms.")
    var rate: Double = 0

    @Option(help: "Distinct external ids, companies and contacts together [default: valid events / --updates-per-key].")
    var keys: Int?

    @Option(help: "Share of the keys that are contacts, 0 to 1 [default 0.5].")
    var contactsRatio: Double?

    @Option(help: "Valid events per key [default 1].")
    var updatesPerKey: Int?

    @Option(help: "Share of events that re-publish an earlier event unchanged (same event_id), 0 to 1.")
    var duplicateRatio: Double = 0

    @Flag(help: "Publish in an order unrelated to occurred_at (contacts may precede their companies).")
    var outOfOrder = false

    @Option(help: """
        Share of poison events, 0 to 1, cycling through: malformed JSON, binary garbage, a body over 256 KiB, \
        missing external_id, mistyped fields, a 256-character external id, an empty external id, an unknown \
        routing key, a bad timestamp.
        """)
    var invalidRatio: Double = 0

    @Option(help: "Seed that reproduces a synthetic run [default: random, printed in the report].")
    var seed: UInt64?

    @Option(help: ArgumentHelp("occurred_at of the first synthetic event, RFC 3339 [default: now].", valueName: "time"))
    var startTime: String?

    @Option(help: "Publishes awaiting their confirm at once.")
    var window = 2000

    @Option(help: ArgumentHelp("Write the state each key should reach (newest occurred_at per key) to this JSON file.", valueName: "path"))
    var expectFile: String?

    @Flag(help: "Print the final report as JSON.")
    var json = false

    @Flag(help: "Do not declare the exchange and queues before publishing.")
    var noDeclare = false

    func validate() throws {
        // A pause between publishes of 1 / rate seconds: at most 1000 s.
        if rate != 0 { _ = try EnvironmentDefaults.checked { try SettingParser.number(rate, SettingName(flag: "--rate"), in: 0.001...1_000_000) } }
        // Every synthetic setting is checked by SyntheticConfiguration alone.
        _ = try shape()
        guard (1...65535).contains(window) else { throw ValidationError("--window must be between 1 and 65535") }
        if file != nil {
            let synthetic = count != nil || keys != nil || updatesPerKey != nil || seed != nil || startTime != nil
                || outOfOrder || duplicateRatio != 0 || invalidRatio != 0 || contactsRatio != nil
            if synthetic { throw ValidationError("--file publishes its own events; drop the synthetic options") }
            if let routingKey, RoutingKeys.resource(ofEvent: routingKey) == nil {
                throw ValidationError("--routing-key must be company.changed or contact.changed")
            }
        } else if routingKey != nil {
            throw ValidationError("--routing-key applies to --file only")
        }
        if let startTime, SyntheticConfiguration.milliseconds(rfc3339: startTime) == nil {
            throw ValidationError("--start-time '\(startTime)' is not an RFC 3339 date-time")
        }
    }

    /// The synthetic run's count and keys, every synthetic setting checked; a bad one exits 64 naming its flag.
    private func shape() throws(ValidationError) -> (count: Int, keys: Int) {
        do {
            return try SyntheticConfiguration.shape(
                count: count, keys: keys, updatesPerKey: updatesPerKey, contactsRatio: contactsRatio ?? 0.5,
                duplicateRatio: duplicateRatio, invalidRatio: invalidRatio)
        } catch {
            throw ValidationError(error.commandLineMessage)
        }
    }

    func run() async throws {
        let amqp = try broker.addresses()
        let topology = try topology.resolved()
        if let file {
            let input: PublishInput
            do {
                input = try PublishInput.read(path: file, routingKey: routingKey)
            } catch let error as PublishInputError {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(65)
            }
            try writeExpectation(input.expected)
            try await publish(input.events, seed: nil, duplicates: 0, invalid: 0, amqp: amqp, topology: topology)
        } else {
            let shape = try shape()
            let start = startTime.flatMap(SyntheticConfiguration.milliseconds(rfc3339:))
            let configuration = SyntheticConfiguration(
                count: shape.count, keys: shape.keys, contactsRatio: contactsRatio ?? 0.5, duplicateRatio: duplicateRatio,
                invalidRatio: invalidRatio, outOfOrder: outOfOrder, seed: seed ?? UInt64.random(in: 0...UInt64.max),
                startMilliseconds: start ?? Int64(Date().timeIntervalSince1970 * 1000))
            let generator = SyntheticGenerator(configuration)
            if expectFile != nil { try writeExpectation(generator.expectedState()) }
            try await publish(
                generator, seed: configuration.seed, duplicates: configuration.duplicateCount,
                invalid: configuration.invalidCount, amqp: amqp, topology: topology)
        }
    }

    /// Writes the expected final state before anything is published, so a bad path fails early.
    private func writeExpectation(_ state: ExpectedState) throws {
        guard let expectFile else { return }
        do {
            try Data(state.json.jsonText.utf8).write(to: URL(fileURLWithPath: expectFile))
        } catch {
            throw ValidationError("--expect-file \(expectFile): \(error.localizedDescription)")
        }
    }

    /// Connects, declares the topology, publishes with confirms, prints the report, and exits 1 unless all was confirmed.
    private func publish<Events: Collection<OutgoingEvent> & Sendable>(
        _ events: Events, seed: UInt64?, duplicates: Int, invalid: Int, amqp: AMQPAddressList, topology: SyncTopology
    ) async throws {
        let tally = try await PublishPipeline.publish(events, amqp: amqp, exchange: topology.eventsExchange, window: window, rate: rate) { channel in
            if !noDeclare { try await topology.declare(on: channel) }
        }
        let report = PublishReport(exchange: topology.eventsExchange, tally: tally, seed: seed, duplicates: duplicates, invalid: invalid)
        print(json ? report.json.jsonText : report.text)
        if !report.succeeded { throw ExitCode.failure }
    }
}
