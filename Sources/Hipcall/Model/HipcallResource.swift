/// A Hipcall record type reachable through the API; the raw value is its path segment under `/api/v3`.
public enum HipcallResource: String, Sendable, Hashable, CaseIterable {
    case companies
    case contacts
}
