import Foundation
import HipcallSync

/// Which dead letters a replay or purge acts on; every set criterion must hold. An empty filter matches everything.
public struct DeadLetterFilter: Sendable, Equatable {
    /// A case-insensitive substring of the error class or the error message.
    public var reason: String?
    /// The routing key, exactly (`company.changed`).
    var type: String?
    /// The body's external id, exactly.
    public var externalID: String?
    /// Only messages that failed before this instant; a message without a failure time never matches.
    var failedBefore: Date?
    /// The event id (``DeadLetter/eventID``), exactly.
    var eventID: String?

    public init(reason: String? = nil, type: String? = nil, externalID: String? = nil, failedBefore: Date? = nil, eventID: String? = nil) {
        self.reason = reason
        self.type = type
        self.externalID = externalID
        self.failedBefore = failedBefore
        self.eventID = eventID
    }

    /// Whether `letter` passes every set criterion.
    func matches(_ letter: DeadLetter) -> Bool {
        if let reason {
            let fields = [letter.errorClass, letter.errorMessage].compactMap { $0 }
            guard fields.contains(where: { $0.localizedCaseInsensitiveContains(reason) }) else { return false }
        }
        if let type, letter.routingKey != type { return false }
        if let externalID, letter.externalID != externalID { return false }
        if let eventID, letter.eventID != eventID { return false }
        if let failedBefore {
            guard let failedAt = letter.failedAt, failedAt < failedBefore else { return false }
        }
        return true
    }
}
