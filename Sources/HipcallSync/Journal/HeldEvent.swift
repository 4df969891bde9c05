import Foundation
import HipcallJSON

/// An event a worker of the shared mode holds and has not applied yet, announced in the journal as
/// it arrives. There the work queue spreads one record's events over every worker that prefetched
/// part of a backlog; a worker about to apply an older one waits for the announced newer one
/// instead (see ``HeldElsewhere``), so the record is written once, not once per worker.
///
/// In a journal batch it is a row of 8 members, `[resource, external_id, 0, occurred_at, event_id,
/// null, null, worker]`: hipcall id 0 says it is not applied, and readers of an earlier version,
/// which take 6 or 7 members with an id above 0, skip it.
struct HeldEvent: Sendable, Equatable {
    let key: SyncKey
    let occurredAt: Date
    let eventID: String
    /// The worker that holds it.
    let worker: String

    init(event: SyncEvent, worker: String) {
        key = event.key
        occurredAt = event.occurredAt
        eventID = event.eventID
        self.worker = worker
    }

    /// Whether this event supersedes `other` of the same record: a later `occurred_at`, or the same
    /// with a greater event id (an order every worker agrees on, so no two wait for each other).
    func supersedes(occurredAt other: Date, eventID otherID: String) -> Bool {
        occurredAt != other ? occurredAt > other : eventID > otherID
    }

    /// Its row in a journal batch.
    var row: JSONValue {
        .array([
            .string(key.resource.rawValue), .string(key.externalID), .int(0), .double(occurredAt.timeIntervalSince1970),
            .string(eventID), .null, .null, .string(worker),
        ])
    }

    /// Reads a row of a journal batch; nil for any other row.
    init?(row value: JSONValue) {
        guard case .array(let fields) = value, fields.count == 8,
            case .string(let resourceName) = fields[0], let resource = SyncResource(rawValue: resourceName),
            case .string(let externalID) = fields[1], case .int(0) = fields[2],
            case .double(let seconds) = fields[3], seconds.isFinite, RFC3339.representableSeconds.contains(seconds),
            case .string(let eventID) = fields[4], case .string(let worker) = fields[7]
        else { return nil }
        key = SyncKey(resource: resource, externalID: externalID)
        occurredAt = Date(timeIntervalSince1970: seconds)
        self.eventID = eventID
        self.worker = worker
    }
}
