import AMQPClient
import Foundation

/// One line of the fleet's journal (the `<prefix>.applied` stream): a change some worker applied to
/// Hipcall. Every worker reads the journal, so each one knows Hipcall's id for every synced record
/// and the newest `occurred_at` applied to it, whichever worker applied it and even across restarts:
/// an older event that comes back later (a publisher's late duplicate, a retry, a redelivery after a
/// crash, a partition moving to another worker) is then skipped as stale instead of undoing a newer one.
///
/// An entry is an empty message whose headers carry the fields, so reading it costs no JSON parse.
struct JournalEntry: Sendable, Equatable {
    let key: SyncKey
    let hipcallID: Int64
    let occurredAt: Date
    let eventID: String
    /// The record's former external id when the applied event re-keyed it.
    let previousExternalID: String?

    private enum Header {
        static let resource = "x-hipcall-resource"
        static let externalID = "x-hipcall-external-id"
        static let hipcallID = "x-hipcall-id"
        static let occurredAt = "x-hipcall-occurred-at"
        static let eventID = "x-hipcall-event-id"
        static let previousExternalID = "x-hipcall-previous-external-id"
        static let marker = "x-hipcall-journal-marker"
    }

    /// The entry for `event`, applied as Hipcall record `hipcallID`.
    init(event: SyncEvent, hipcallID: Int64) {
        key = event.key
        self.hipcallID = hipcallID
        occurredAt = event.occurredAt
        eventID = event.eventID
        previousExternalID = event.previousExternalID
    }

    /// Reads an entry from a journal message's headers; nil for a marker or a malformed message.
    init?(headers: AMQPTable) {
        guard let resource = headers[Header.resource]?.stringValue.flatMap(SyncResource.init(rawValue:)),
            let externalID = headers[Header.externalID]?.stringValue, let hipcallID = headers[Header.hipcallID]?.intValue,
            case .double(let seconds)? = headers[Header.occurredAt], let eventID = headers[Header.eventID]?.stringValue
        else { return nil }
        key = SyncKey(resource: resource, externalID: externalID)
        self.hipcallID = hipcallID
        occurredAt = Date(timeIntervalSince1970: seconds)
        self.eventID = eventID
        previousExternalID = headers[Header.previousExternalID]?.stringValue
    }

    /// The message properties that carry this entry (persistent: the stream keeps it anyway).
    var properties: AMQPProperties {
        var headers: AMQPTable = [
            Header.resource: .string(key.resource.rawValue), Header.externalID: .string(key.externalID),
            Header.hipcallID: .int(hipcallID), // Unix seconds as a double: the exact `Date`, so equal times compare equal after the round trip.
            Header.occurredAt: .double(occurredAt.timeIntervalSince1970),
            Header.eventID: .string(eventID),
        ]
        if let previousExternalID { headers[Header.previousExternalID] = .string(previousExternalID) }
        return AMQPProperties(headers: headers, persistent: true)
    }

    /// The properties of a marker: a worker appends one when it starts reading, and knows it has
    /// read everything written before once its own marker comes back.
    static func markerProperties(worker: String) -> AMQPProperties {
        AMQPProperties(headers: [Header.marker: .string(worker)])
    }

    /// The worker id of a marker message; nil for an entry.
    static func marker(in headers: AMQPTable) -> String? {
        headers[Header.marker]?.stringValue
    }
}
