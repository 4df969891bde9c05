import HipcallJSON
import HipcallSync

/// One drift between the CRM and Hipcall that reconcile found.
public struct ReconcileFinding: Sendable, Hashable {
    /// What kind of drift.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Comparable {
        /// In the CRM, not in Hipcall.
        case missing
        /// In both, with managed fields that differ.
        case different
        /// In Hipcall with an external id the export does not hold, or with none.
        case orphan
        /// Several Hipcall records whose external ids normalise to one key.
        case duplicate

        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .missing: 0
            case .different: 1
            case .orphan: 2
            case .duplicate: 3
            }
        }
    }

    /// One managed field that differs: the CRM's value and Hipcall's (lists as their compared forms).
    public struct FieldDifference: Sendable, Hashable {
        /// The field's name (`custom_fields.<slug>` for a contact's custom field).
        public let field: String
        public let crm: JSONValue
        public let hipcall: JSONValue
    }

    public let kind: Kind
    public let resource: SyncResource
    /// The normalised external id; nil for an orphan that has none.
    public let externalID: String?
    /// Hipcall's id of the record (a duplicate's lowest one); nil for a missing record.
    public let hipcallID: Int64?
    /// For `different`: each differing field, by name.
    public let fields: [FieldDifference]
    /// For `duplicate`: every Hipcall id that shares the key, lowest first.
    public let hipcallIDs: [Int64]

    init(
        _ kind: Kind, _ resource: SyncResource, externalID: String?, hipcallID: Int64?, fields: [FieldDifference] = [],
        hipcallIDs: [Int64] = []
    ) {
        self.kind = kind
        self.resource = resource
        self.externalID = externalID
        self.hipcallID = hipcallID
        self.fields = fields
        self.hipcallIDs = hipcallIDs
    }

    /// Whether a repair event can fix it (Hipcall has no delete: orphans and duplicates are only reported).
    public var isRepairable: Bool { kind == .missing || kind == .different }

    /// `{"kind", "resource", "external_id", "hipcall_id", "fields"}` (`fields`: name → `{"crm", "hipcall"}`),
    /// plus `hipcall_ids` for a duplicate.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "kind": .string(kind.rawValue),
            "resource": .string(resource.rawValue),
            "external_id": externalID.map(JSONValue.string) ?? .null,
            "hipcall_id": hipcallID.map(JSONValue.int) ?? .null,
            "fields": .object(Dictionary(fields.map { ($0.field, .object(["crm": $0.crm, "hipcall": $0.hipcall])) }, uniquingKeysWith: { $1 })),
        ]
        if kind == .duplicate { object["hipcall_ids"] = .array(hipcallIDs.map(JSONValue.int)) }
        return .object(object)
    }

    /// The report's order: by resource, then kind, then external id, then Hipcall id.
    static func reportOrder(_ a: ReconcileFinding, _ b: ReconcileFinding) -> Bool {
        if a.resource != b.resource { return a.resource < b.resource }
        if a.kind != b.kind { return a.kind < b.kind }
        if a.externalID != b.externalID {
            return (a.externalID ?? "").unicodeScalars.lexicographicallyPrecedes((b.externalID ?? "").unicodeScalars)
        }
        return (a.hipcallID ?? 0) < (b.hipcallID ?? 0)
    }
}
