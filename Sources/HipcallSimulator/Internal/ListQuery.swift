import Hipcall
import HipcallJSON

/// The parameters of `GET /{resource}` as `../shared/hipcall-api.md` (Lists) describes them, read
/// strictly: `limit` 1...100 (default 10; outside it a 422, never clamped), `offset` ≥ 0,
/// `sort=<field>.<asc|desc>` (companies: `id`, `name`; contacts: `id`, `first_name`, `last_name`,
/// `full_name`; default `id.asc`; ties broken by id ascending) and `q`. Any other parameter is a 422
/// `Unexpected field`, as Hipcall refuses a bracket filter such as `created_at[gte]`.
///
/// `q` (the real API's matching is not documented) matches, case-insensitively, a record whose
/// `external_id`, name fields (`name`; `first_name`, `last_name` or the full name), an email or a
/// phone number contains it; an empty `q` matches every record. `meta.count` counts the matching
/// records, not the page. A row carries every field a lookup shows (the real API is only observed to
/// carry `external_id`: see `HipcallObservations`).
struct ListQuery: Sendable, Equatable {
    var limit = 10
    var offset = 0
    var sortField = "id"
    var descending = false
    var text: String?

    /// The fields each resource sorts by.
    static func sortFields(_ resource: HipcallResource) -> Set<String> {
        switch resource {
        case .companies: ["id", "name"]
        case .contacts: ["id", "first_name", "last_name", "full_name"]
        }
    }

    private static let parameters: Set<String> = ["limit", "offset", "sort", "q"]

    /// Reads the query string's parameters; the 422 field errors when any is unusable.
    static func parse(_ parameters: [String: String], resource: HipcallResource) -> Result<ListQuery, ListQueryErrors> {
        var query = ListQuery()
        var errors: [String: JSONValue] = [:]
        func fail(_ field: String, _ message: String) { errors[field] = .array([.string(message)]) }
        for name in parameters.keys where !Self.parameters.contains(name) {
            fail(name, "Unexpected field: \(name)")
        }
        if let raw = parameters["limit"] {
            if let value = Int(raw) {
                if value < 1 { fail("limit", "must be greater than or equal to 1") }
                if value > 100 { fail("limit", "must be less than or equal to 100") }
                query.limit = value
            } else {
                fail("limit", "is invalid")
            }
        }
        if let raw = parameters["offset"] {
            if let value = Int(raw), value >= 0 { query.offset = value } else { fail("offset", "must be greater than or equal to 0") }
        }
        if let raw = parameters["sort"] {
            let parts = raw.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 2, sortFields(resource).contains(String(parts[0])), parts[1] == "asc" || parts[1] == "desc" {
                query.sortField = String(parts[0])
                query.descending = parts[1] == "desc"
            } else {
                fail("sort", "is invalid")
            }
        }
        if let raw = parameters["q"], !raw.isEmpty { query.text = raw.lowercased() }
        return errors.isEmpty ? .success(query) : .failure(ListQueryErrors(fields: errors))
    }

    /// The page of `table` this query asks for, and how many records match in all.
    func page(of table: RecordTable) -> (records: [SimulatedRecord], count: Int) {
        if text == nil, sortField == "id", !descending {
            // Creation order is id order: a scan's page is a slice, whatever the account's size.
            return (table.order.dropFirst(offset).prefix(limit).compactMap { table.records[$0] }, table.order.count)
        }
        var records = table.order.compactMap { table.records[$0] }
        if let text { records = records.filter { Self.matches($0, text) } }
        let field = sortField
        let descending = descending
        records.sort { left, right in
            let (a, b) = (Self.sortKey(left, field), Self.sortKey(right, field))
            if a == b { return left.id < right.id }
            return descending ? a > b : a < b
        }
        return (Array(records.dropFirst(offset).prefix(limit)), records.count)
    }

    /// The text a record sorts by; `id` sorts numerically (zero-padded), a missing name as "".
    private static func sortKey(_ record: SimulatedRecord, _ field: String) -> String {
        if field == "id" {
            let digits = String(record.id)
            return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
        }
        return (field == "full_name" ? fullName(record) : record.fields[field]?.stringValue ?? "").lowercased()
    }

    private static func fullName(_ record: SimulatedRecord) -> String {
        [record.fields["first_name"]?.stringValue, record.fields["last_name"]?.stringValue].compactMap { $0 }.joined(separator: " ")
    }

    /// Whether `text` (lowercased) occurs in the record's external id, names, emails or phone numbers.
    private static func matches(_ record: SimulatedRecord, _ text: String) -> Bool {
        var haystack: [String] = ["external_id", "name", "first_name", "last_name"].compactMap { record.fields[$0]?.stringValue }
        haystack.append(fullName(record))
        for (field, member) in [("emails", "email"), ("phones", "number")] {
            haystack += (record.fields[field]?.arrayValue ?? []).compactMap { $0.objectValue?[member]?.stringValue }
        }
        return haystack.contains { $0.lowercased().contains(text) }
    }
}

/// The 422 field errors of an unusable list query.
struct ListQueryErrors: Error, Sendable {
    let fields: [String: JSONValue]
}
