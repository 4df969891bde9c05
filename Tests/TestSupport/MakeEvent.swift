import Foundation
import HipcallJSON
@testable import HipcallSync

/// Builds a `SyncEvent` for tests without going through JSON.
public func makeEvent(
    _ resource: SyncResource = .companies, id: String, externalID: String = "ERP-1", at seconds: TimeInterval,
    previous: String? = nil, data: [String: JSONValue] = ["name": .string("Acme")]
) -> SyncEvent {
    SyncEvent(
        resource: resource, eventID: id, occurredAt: Date(timeIntervalSince1970: seconds), externalID: externalID,
        previousExternalID: previous, data: data)
}
