import Hipcall
import HipcallJSON

/// A record held by the simulator: id plus every field, defaults included.
struct SimulatedRecord: Sendable {
    var id: Int64
    var fields: [String: JSONValue]

    /// The `data` object as JSON: `id` first, then the fields by name.
    func write(to out: inout String) {
        var members: [(key: String, value: JSONValue)] = [("id", .int(id))]
        members += fields.sorted { $0.key < $1.key }
        JSONValue.writeObject(members, to: &out)
    }

    /// The record as a `JSONValue` object (for dumps).
    var json: JSONValue {
        var object = fields
        object["id"] = .int(id)
        return .object(object)
    }
}

/// All records of one resource in one account, with the external-id index.
struct RecordTable: Sendable {
    var records: [Int64: SimulatedRecord] = [:]
    /// Ids in creation order, for listing.
    var order: [Int64] = []
    var byExternalID: [String: Int64] = [:]

    /// Adds a new record and indexes its external id.
    mutating func insert(_ record: SimulatedRecord) {
        records[record.id] = record
        order.append(record.id)
        if let externalID = record.fields["external_id"]?.stringValue {
            byExternalID[externalID] = record.id
        }
    }

    /// Replaces a record, moving its external-id index entry if the id changed.
    mutating func replace(_ record: SimulatedRecord) {
        if let old = records[record.id]?.fields["external_id"]?.stringValue {
            byExternalID[old] = nil
        }
        records[record.id] = record
        if let externalID = record.fields["external_id"]?.stringValue {
            byExternalID[externalID] = record.id
        }
    }

    /// Whether `externalID` belongs to a record other than `id`.
    func isTaken(_ externalID: JSONValue?, byOtherThan id: Int64?) -> Bool {
        guard let value = externalID?.stringValue, let owner = byExternalID[value] else { return false }
        return owner != id
    }
}

/// One account's companies and contacts.
struct SimulatedAccount: Sendable {
    var companies = RecordTable()
    var contacts = RecordTable()

    /// The table of `resource`, read-only.
    func table(_ resource: HipcallResource) -> RecordTable {
        resource == .companies ? companies : contacts
    }

    /// Runs `body` on the table of `resource` in place (no copy of the table).
    mutating func withTable<Result>(_ resource: HipcallResource, _ body: (inout RecordTable) -> Result) -> Result {
        switch resource {
        case .companies: body(&companies)
        case .contacts: body(&contacts)
        }
    }
}
