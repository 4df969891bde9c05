import AMQPClient
import ArgumentParser
import Foundation
import HipcallSync
import HipcallSyncOperations
import SyntheticLoad

/// `hipcall-sync resync`: a full resync on demand, publishing every record of a CRM export as an event.
struct ResyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resync",
        abstract: "Publish a whole CRM export as events: a full resync through the fleet.",
        discussion: """
            Every export line (validated as the worker validates events; bad lines are listed by number and \
            nothing is sent) is published to the events exchange with publisher confirms, companies first, with its own event_id \
            and occurred_at or a fresh id and the export's time (the file's modification time; standard input: \
            now). The fleet's stale check skips lines older than what it applied, its fingerprints skip \
            records that already match and its scan planning replaces lookups by list pages on a large \
            account, so the calls spent follow the records that differ. The report goes to stdout (--json for \
            a machine-readable one); a live progress line to stderr on a terminal. Exit status: 0 every event \
            confirmed, 2 an error (the export, or an event returned, nacked or lost to the broker); 64 for bad options.
            """)

    @OptionGroup var export: CRMExportOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: "Events per second; 0 publishes as fast as the broker confirms.")
    var rate: Double = 0

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if rate != 0 { _ = try EnvironmentDefaults.checked { try SettingParser.number(rate, SettingName(flag: "--rate"), in: 0.001...1_000_000) } }
    }

    func run() async throws {
        let export = export.read()
        let amqp = try broker.addresses()
        let exchange = try topology.resolved().eventsExchange
        // Companies first, so that a contact's company is there when the contact is applied.
        let ordered = export.records.filter { $0.event.resource == .companies } + export.records.filter { $0.event.resource != .companies }
        let events = ordered.map { record in
            OutgoingEvent(
                routingKey: record.routingKey, body: record.body, messageID: record.event.eventID,
                partitionKey: SyncTopology.keyHeaderValue(resource: record.event.resource.rawValue, externalID: record.event.externalID))
        }
        let tally: PublishPipeline.Tally
        do {
            tally = try await PublishPipeline.publish(events, amqp: amqp, exchange: exchange, rate: rate)
        } catch {
            CommandFailure.exit("cannot publish to \(exchange): \(error)")
        }
        let report = PublishReport(exchange: exchange, tally: tally, seed: nil, duplicates: 0, invalid: 0)
        print(json ? report.json.jsonText : report.text)
        if !report.succeeded { throw ExitCode(2) }
    }
}
