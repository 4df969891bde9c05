import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// The final state each key should reach, for convergence checks: per key, the `data` of the event
/// with the greatest `occurred_at` (the later one on a tie), plus how many invalid events were sent.
public struct ExpectedState: Sendable, Equatable {
    private var newest: [SyncKey: Newest] = [:]
    /// Intentionally invalid events published.
    public var invalid = 0

    private struct Newest: Sendable, Equatable {
        var occurredAt: Date
        var data: [String: JSONValue]
    }

    public init() {}

    /// Keeps `data` for `key` unless an event already recorded for it is newer.
    public mutating func record(_ key: SyncKey, occurredAt: Date, data: [String: JSONValue]) {
        if let known = newest[key], known.occurredAt > occurredAt { return }
        newest[key] = Newest(occurredAt: occurredAt, data: data)
    }

    /// The expected `data` of a key, or nil when no valid event named it.
    public func data(for key: SyncKey) -> [String: JSONValue]? {
        newest[key]?.data
    }

    /// Every key with an expected state.
    public var keys: [SyncKey] { newest.keys.sorted() }

    /// Reads what ``json`` wrote (an expect file); nil unless it has that shape.
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let invalid = object["invalid"]?.intValue else { return nil }
        self.invalid = Int(invalid)
        for resource in SyncResource.allCases {
            guard let records = object[resource.rawValue]?.objectValue else { return nil }
            for (externalID, data) in records {
                guard let data = data.objectValue else { return nil }
                newest[SyncKey(resource: resource, externalID: externalID)] = Newest(occurredAt: .distantPast, data: data)
            }
        }
    }

    /// Adds `other`: its data wins for a key both name (a later expect file of the same run), and its invalid events add up.
    public mutating func merge(_ other: ExpectedState) {
        newest.merge(other.newest) { $1 }
        invalid += other.invalid
    }

    /// `{"companies": {"<external_id>": {…}}, "contacts": {…}, "invalid": n}`.
    public var json: JSONValue {
        var companies: [String: JSONValue] = [:]
        var contacts: [String: JSONValue] = [:]
        for (key, value) in newest {
            switch key.resource {
            case .companies: companies[key.externalID] = .object(value.data)
            case .contacts: contacts[key.externalID] = .object(value.data)
            }
        }
        return .object(["companies": .object(companies), "contacts": .object(contacts), "invalid": .int(Int64(invalid))])
    }
}
