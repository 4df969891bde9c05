import Foundation
import HipcallJSON
import HipcallSync

/// The corrective events `reconcile --repair` publishes: one per `missing` and `different` finding,
/// the export line's record with a fresh `event_id` and `occurred_at` = the scan's time, so that a
/// live change newer than the scan is never overwritten by a repair (the worker's stale check skips
/// an event older than the newest one applied for its record). Companies come first, so that a
/// repaired contact finds its company.
public enum RepairEvents {
    /// One event to publish.
    public struct Event: Sendable {
        public let key: SyncKey
        public let routingKey: String
        public let eventID: String
        /// The scan's time, RFC 3339: the event's `occurred_at` and its ``SyncHeaders/repair`` header.
        public let occurredAt: String
        public let body: [UInt8]
    }

    /// The events for `findings`, built from `export`; findings of no export record are skipped.
    public static func events(for findings: [ReconcileFinding], export: CRMExport, scannedAt: Date) -> [Event] {
        let occurredAt = ReconcileReport.time(scannedAt)
        let keys = findings.filter(\.isRepairable).compactMap { finding in
            finding.externalID.map { SyncKey(resource: finding.resource, externalID: $0) }
        }
        return keys.sorted().compactMap { key in
            guard let record = export.byKey[key] else { return nil }
            let eventID = UUID().uuidString
            let body: JSONValue = .object([
                "event_id": .string(eventID),
                "occurred_at": .string(occurredAt),
                "external_id": .string(key.externalID),
                "data": .object(record.event.data),
            ])
            return Event(key: key, routingKey: record.routingKey, eventID: eventID, occurredAt: occurredAt, body: Array(body.jsonText.utf8))
        }
    }
}
