import Foundation
import Hipcall
import HipcallJSON

/// A validated CRM change event: which record changed and the CRM's current state of the fields it manages.
public struct SyncEvent: Sendable, Hashable {
    public let resource: SyncResource
    public let eventID: String
    public let occurredAt: Date
    /// The record's external id, normalised as Hipcall does (trimmed, integers as decimal strings).
    public let externalID: String
    /// The record's former external id when the CRM re-keyed it; nil otherwise (also when equal to `externalID`).
    let previousExternalID: String?
    /// Hipcall's numeric id, when the CRM already stores it.
    let hipcallID: Int64?
    /// The managed fields with Hipcall's names: an absent key is left alone, `null` clears.
    /// A present `external_id` or `company_external_id` member holds its normalised string.
    public let data: [String: JSONValue]
    /// For contacts: the normalised `company_external_id` from `data`, nil when absent or null.
    let companyExternalID: String?
    /// A repair from `reconcile --repair` (see ``SyncHeaders/repair``): the record's fingerprint is not
    /// trusted, since the drift it repairs was made where no fingerprint sees it.
    var isRepair = false

    init(
        resource: SyncResource, eventID: String, occurredAt: Date, externalID: String,
        previousExternalID: String? = nil, hipcallID: Int64? = nil,
        data: [String: JSONValue], companyExternalID: String? = nil
    ) {
        self.resource = resource
        self.eventID = eventID
        self.occurredAt = occurredAt
        self.externalID = externalID
        self.previousExternalID = previousExternalID
        self.hipcallID = hipcallID
        self.data = data
        self.companyExternalID = companyExternalID
    }

    /// This event without its `data`: what the coalescer, the lock and the journal need. A worker
    /// keeps this while a delivery waits and parses `data` from the body again only to apply it
    /// (most held events are superseded; their parsed fields would cost kilobytes each).
    var withoutData: SyncEvent {
        SyncEvent(
            resource: resource, eventID: eventID, occurredAt: occurredAt, externalID: externalID,
            previousExternalID: previousExternalID, hipcallID: hipcallID, data: [:], companyExternalID: companyExternalID)
    }

    /// The record this event updates.
    public var key: SyncKey { SyncKey(resource: resource, externalID: externalID) }

    /// For a contact linked by `company_external_id`: its company's key.
    var companyKey: SyncKey? {
        companyExternalID.map { SyncKey(resource: .companies, externalID: $0) }
    }

    /// The keys to lock while applying: the record's key, plus its former key for a re-key event.
    var lockKeys: [SyncKey] {
        guard let previousExternalID else { return [key] }
        return [key, SyncKey(resource: resource, externalID: previousExternalID)]
    }
}
