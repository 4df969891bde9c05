/// The resource kind an event targets, matching Hipcall's REST collection name.
public enum SyncResource: String, Sendable, Hashable, Comparable, CaseIterable {
    case companies
    case contacts

    public static func < (lhs: SyncResource, rhs: SyncResource) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// Identifies one CRM record: its resource and normalised external id.
public struct SyncKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let resource: SyncResource
    public let externalID: String

    public init(resource: SyncResource, externalID: String) {
        self.resource = resource
        self.externalID = externalID
    }

    public static func < (lhs: SyncKey, rhs: SyncKey) -> Bool {
        if lhs.resource != rhs.resource { return lhs.resource < rhs.resource }
        return lhs.externalID.unicodeScalars.lexicographicallyPrecedes(rhs.externalID.unicodeScalars)
    }

    public var description: String { "\(resource.rawValue)/\(externalID)" }
}
