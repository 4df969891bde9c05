import HipcallJSON
/// A company or contact as Hipcall returned it: its numeric id and every other field of `data`.
public struct HipcallRecord: Sendable, Hashable {
    /// Hipcall's numeric id.
    public var id: Int64
    /// Every member of `data` except `id`, exactly as sent (phones and emails stay JSON arrays).
    public var fields: [String: JSONValue]

    public init(id: Int64, fields: [String: JSONValue]) {
        self.id = id
        self.fields = fields
    }

    /// Reads a record from the `data` object of an answer; `nil` if it has no integer `id`.
    init?(data: JSONValue) {
        guard var members = data.objectValue, let id = members.removeValue(forKey: "id")?.intValue else {
            return nil
        }
        self.init(id: id, fields: members)
    }

    /// The field's string value, or `nil` if absent, `null` or not a string.
    public subscript(string key: String) -> String? { fields[key]?.stringValue }

    /// The record's `external_id`, or `nil` if it has none.
    public var externalID: String? { self[string: "external_id"] }

    /// The record's phone numbers, in the order Hipcall returned them.
    public var phones: [HipcallPhone] {
        (fields["phones"]?.arrayValue ?? []).compactMap(HipcallPhone.init(json:))
    }

    /// The record's email addresses, in the order Hipcall returned them.
    public var emails: [HipcallEmail] {
        (fields["emails"]?.arrayValue ?? []).compactMap(HipcallEmail.init(json:))
    }
}

/// One phone number of a company or contact.
public struct HipcallPhone: Sendable, Hashable {
    /// ISO 3166 country code, e.g. `GB`.
    public var country: String?
    /// The number, E.164 (`+442045205757`).
    public var number: String
    /// Position among the record's numbers.
    var order: Int64?

    public init(country: String?, number: String, order: Int64? = nil) {
        self.country = country
        self.number = number
        self.order = order
    }

    /// Reads a phone from its JSON object; `nil` without a string `number`.
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let number = object["number"]?.stringValue else { return nil }
        self.init(country: object["country"]?.stringValue, number: number, order: object["order"]?.intValue)
    }

    /// The JSON object Hipcall expects; `order` only when set.
    var json: JSONValue {
        var object: [String: JSONValue] = ["number": .string(number)]
        if let country { object["country"] = .string(country) }
        if let order { object["order"] = .int(order) }
        return .object(object)
    }
}

/// One email address of a company or contact.
public struct HipcallEmail: Sendable, Hashable {
    /// The address.
    public var email: String
    /// Position among the record's addresses.
    var order: Int64?

    public init(email: String, order: Int64? = nil) {
        self.email = email
        self.order = order
    }

    /// Reads an email from its JSON object; `nil` without a string `email`.
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let email = object["email"]?.stringValue else { return nil }
        self.init(email: email, order: object["order"]?.intValue)
    }

    /// The JSON object Hipcall expects; `order` only when set.
    var json: JSONValue {
        var object: [String: JSONValue] = ["email": .string(email)]
        if let order { object["order"] = .int(order) }
        return .object(object)
    }
}

/// One page of a list call: the records and the `meta` block.
public struct HipcallPage: Sendable, Hashable {
    /// The records on this page.
    public var records: [HipcallRecord]
    /// Total number of records (`meta.count`).
    public var count: Int64?
    /// `meta.offset`.
    public var offset: Int64?
    /// `meta.limit`.
    public var limit: Int64?

    init(records: [HipcallRecord], count: Int64?, offset: Int64?, limit: Int64?) {
        self.records = records
        self.count = count
        self.offset = offset
        self.limit = limit
    }
}
