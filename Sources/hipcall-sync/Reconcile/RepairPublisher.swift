import AMQPClient
import Foundation
import HipcallJSON
import HipcallSync
import HipcallSyncOperations
import SyntheticLoad

/// Publishes (or, for `--dry-run`, lists) reconcile's repair events: persistent, mandatory, with
/// publisher confirms through the publish command's ``PublishPipeline``, each with the
/// ``SyncHeaders/repair`` header. Text mode prints a line per event and a closing line; JSON mode an
/// object per event (`{"kind": "repair", …}`). Either way the summary's `repair` member is returned.
struct RepairPublisher {
    let json: Bool

    /// Lists what would be published.
    func list(_ events: [RepairEvents.Event]) -> JSONValue {
        show(events, verb: "would publish")
        return .object(["events": .int(Int64(events.count)), "dry_run": .bool(true)])
    }

    /// Publishes every event; exits 2 unless each was confirmed.
    func publish(_ events: [RepairEvents.Event], amqp: AMQPAddressList, exchange: String) async -> JSONValue {
        let tally: PublishPipeline.Tally
        do {
            tally = try await PublishPipeline.publish(events.map(outgoingEvent), amqp: amqp, exchange: exchange)
        } catch {
            CommandFailure.exit("--repair: cannot publish to \(exchange): \(error)")
        }
        let report = PublishReport(exchange: exchange, tally: tally, seed: nil, duplicates: 0, invalid: 0)
        show(events, verb: "published")
        guard report.succeeded else {
            CommandFailure.exit("--repair: not every repair event was confirmed\n\(report.text)")
        }
        return .object(["events": .int(Int64(events.count)), "confirmed": .int(Int64(tally.confirmed)), "dry_run": .bool(false)])
    }

    /// The event as the publish pipeline sends it, marked as a repair.
    private func outgoingEvent(_ event: RepairEvents.Event) -> OutgoingEvent {
        OutgoingEvent(
            routingKey: event.routingKey, body: event.body, messageID: event.eventID,
            partitionKey: SyncTopology.keyHeaderValue(resource: event.key.resource.rawValue, externalID: event.key.externalID),
            headers: [SyncHeaders.repair: .string(event.occurredAt)])
    }

    private func show(_ events: [RepairEvents.Event], verb: String) {
        for event in events {
            if json {
                print(JSONValue.object([
                    "kind": .string("repair"), "resource": .string(event.key.resource.rawValue),
                    "external_id": .string(event.key.externalID), "routing_key": .string(event.routingKey),
                    "event": StrictJSON.parse(event.body) ?? .null, "published": .bool(verb == "published"),
                ]).jsonText)
            } else {
                print("\(verb) \(event.routingKey) \(event.key.externalID) (event \(event.eventID))")
            }
        }
        if !json { print("\(verb) \(events.count) repair events") }
    }
}
