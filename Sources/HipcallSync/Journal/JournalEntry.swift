import AMQPClient
import Foundation
import Hipcall
import HipcallJSON

/// One line of the fleet's journal (the `<prefix>.applied` stream): a change some worker applied to
/// Hipcall. Every worker reads the journal, so each one knows Hipcall's id for every synced record
/// and the newest `occurred_at` applied to it, whichever worker applied it and even across restarts:
/// an older event that comes back later (a publisher's late duplicate, a retry, a redelivery after a
/// crash, a partition moving to another worker) is then skipped as stale instead of undoing a newer one.
///
/// It also carries what the fleet knows of the record's fields (a ``RecordFingerprint``), so that
/// any worker can skip an event that changes nothing; and records seen in a list scan, which are not
/// events: such an *observed* entry (no event id) brings the id and fingerprint only, never a stale check.
///
/// Entries appended together travel as one message (see ``JournalAppender``): a JSON array of
/// `[resource, external_id, hipcall_id, occurred_at, event_id, previous_external_id, fingerprint]`
/// arrays, with `occurred_at` in Unix seconds written exactly (an observed entry's is its observation
/// time), `event_id` null for an observed entry, and `fingerprint` null or as
/// ``RecordFingerprint/journalValue``. Rows of an earlier version, without the last member, and a
/// single entry in an empty message's headers are still read; a malformed fingerprint is dropped
/// and the rest of the row kept. (A worker of an earlier version skips the 7-member rows: it looks
/// those records up itself.)
struct JournalEntry: Sendable, Equatable {
    let key: SyncKey
    let hipcallID: Int64
    /// The event's `occurred_at`; for an observed entry, when the record was observed.
    let occurredAt: Date
    /// The applied event's id; nil for a record observed in a list scan.
    let eventID: String?
    /// The record's former external id when the applied event re-keyed it.
    let previousExternalID: String?
    /// The record's managed fields as the entry's writer left or saw them; nil when it did not say.
    let fingerprint: RecordFingerprint?

    private typealias Header = SyncHeaders.Journal

    /// The entry for `event`, applied as Hipcall record `hipcallID`, leaving the fields `fingerprint` describes.
    init(event: SyncEvent, hipcallID: Int64, fingerprint: RecordFingerprint? = nil) {
        key = event.key
        self.hipcallID = hipcallID
        occurredAt = event.occurredAt
        eventID = event.eventID
        previousExternalID = event.previousExternalID
        self.fingerprint = fingerprint
    }

    /// The entry for `record`, observed in a list of `resource` by a request sent at `at`: its id,
    /// and a fingerprint of the fields the row shows (fields it does not show stay unknown). No
    /// event id: it never makes an event stale. Nil when the row has no usable `external_id`.
    init?(observed record: HipcallRecord, resource: SyncResource, at: Date) {
        guard case .string(let externalID) = FieldForms.externalID(record.fields["external_id"]) else { return nil }
        key = SyncKey(resource: resource, externalID: externalID)
        hipcallID = record.id
        occurredAt = at
        eventID = nil
        previousExternalID = nil
        fingerprint = RecordFingerprint(record: record, resource: resource, observedAt: at)
    }

    /// Whether a list scan observed this record (rather than an event being applied).
    var isObserved: Bool { eventID == nil }

    /// Reads an entry an earlier version wrote in a message's headers; nil for a marker or a malformed message.
    init?(headers: AMQPTable) {
        var reader = HeaderReader(headers)
        guard let resource = reader.text(Header.resource, maxBytes: 64).flatMap(SyncResource.init(rawValue:)),
            let externalID = reader.text(Header.externalID, maxBytes: Self.maxTextBytes),
            let hipcallID = reader.integer(Header.hipcallID, in: 1...Int64.max),
            let occurredAt = reader.unixInstant(Header.occurredAt),
            let eventID = reader.text(Header.eventID, maxBytes: Self.maxTextBytes)
        else { return nil }
        key = SyncKey(resource: resource, externalID: externalID)
        self.hipcallID = hipcallID
        self.occurredAt = occurredAt
        self.eventID = eventID
        previousExternalID = reader.text(Header.previousExternalID, maxBytes: Self.maxTextBytes)
        fingerprint = nil
    }

    /// The longest external or event id read from a legacy entry's headers, in UTF-8 bytes.
    private static let maxTextBytes = 64 * 1024

    /// Reads an entry from its place in a batch (7 members, or an earlier version's 6); nil when
    /// malformed, except for a malformed fingerprint, which is left out.
    private init?(batched value: JSONValue) {
        guard case .array(let fields) = value, fields.count == 6 || fields.count == 7,
            case .string(let resourceName) = fields[0], let resource = SyncResource(rawValue: resourceName),
            case .string(let externalID) = fields[1], case .int(let hipcallID) = fields[2], hipcallID > 0,
            case .double(let seconds) = fields[3], seconds.isFinite, RFC3339.representableSeconds.contains(seconds)
        else { return nil }
        key = SyncKey(resource: resource, externalID: externalID)
        self.hipcallID = hipcallID
        occurredAt = Date(timeIntervalSince1970: seconds)
        switch fields[4] {
        case .string(let eventID): self.eventID = eventID
        case .null where fields.count == 7: eventID = nil
        default: return nil
        }
        switch fields[5] {
        case .string(let previous) where eventID != nil: previousExternalID = previous
        case .null: previousExternalID = nil
        default: return nil
        }
        fingerprint = fields.count == 7 ? RecordFingerprint(journal: fields[6]) : nil
    }

    /// Its row in a journal batch.
    var row: JSONValue {
        .array([
            .string(key.resource.rawValue), .string(key.externalID), .int(hipcallID),
            // Unix seconds as a double, printed to round-trip: equal times compare equal after reading.
            .double(occurredAt.timeIntervalSince1970), eventID.map(JSONValue.string) ?? .null,
            previousExternalID.map(JSONValue.string) ?? .null, fingerprint?.journalValue ?? .null,
        ])
    }

    /// The message that carries `entries` as one batch.
    static func batchMessage(_ entries: [JournalEntry]) -> (body: [UInt8], properties: AMQPProperties) {
        batchMessage(rows: entries.map(\.row))
    }

    /// The message that carries `rows` (entries' and ``HeldEvent``s') as one batch.
    static func batchMessage(rows: [JSONValue]) -> (body: [UInt8], properties: AMQPProperties) {
        let properties = AMQPProperties(
            contentType: "application/json", headers: [Header.batch: .int(Int64(rows.count))], persistent: true)
        return (Array(JSONValue.array(rows).jsonText.utf8), properties)
    }

    /// The entries a journal message carries: a batch, or one entry in headers; empty for a marker
    /// or a malformed message.
    static func entries(headers: AMQPTable, body: [UInt8]) -> [JournalEntry] {
        rows(headers: headers, body: body).entries
    }

    /// The entries and the held events a journal message carries (one parse of its body).
    static func rows(headers: AMQPTable, body: [UInt8]) -> (entries: [JournalEntry], held: [HeldEvent]) {
        guard HeaderReader(headers).contains(Header.batch) else {
            return (JournalEntry(headers: headers).map { [$0] } ?? [], [])
        }
        guard case .array(let rows)? = StrictJSON.parse(body) else { return ([], []) }
        var entries: [JournalEntry] = []
        var held: [HeldEvent] = []
        for row in rows {
            if let entry = JournalEntry(batched: row) {
                entries.append(entry)
            } else if let event = HeldEvent(row: row) {
                held.append(event)
            }
        }
        return (entries, held)
    }

    /// The properties of a marker: a worker appends one when it starts reading, and knows it has
    /// read everything written before once its own marker comes back.
    static func markerProperties(worker: String) -> AMQPProperties {
        AMQPProperties(headers: [Header.marker: .string(worker)])
    }

    /// The worker id of a marker message; nil for an entry.
    static func marker(in headers: AMQPTable) -> String? {
        var reader = HeaderReader(headers)
        return reader.text(Header.marker, maxBytes: 1024)
    }
}
