import Hipcall
import HipcallJSON

/// The outcome of checking a create or PATCH body: normalised values and 422 field errors.
struct ValidatedWrite: Sendable {
    /// Normalised values to store, by field.
    var changes: [String: JSONValue] = [:]
    /// Field errors, `{"field": ["message"]}` (nested for `custom_fields`).
    var errors: [String: JSONValue] = [:]

    mutating func fail(_ field: String, _ message: String) {
        var messages = errors[field]?.arrayValue ?? []
        messages.append(.string(message))
        errors[field] = .array(messages)
    }
}

/// Whether a body creates a record or PATCHes one.
enum WriteMode: Sendable {
    case create
    case update
}

/// Checks and normalises request bodies field by field, outside the store's lock.
struct FieldValidator: Sendable {
    let customFieldSlugs: Set<String>

    /// Checks every documented field of `body`; unknown fields are ignored.
    func validate(_ body: [String: JSONValue], resource: HipcallResource, mode: WriteMode) -> ValidatedWrite {
        var result = ValidatedWrite()
        let schema = ResourceSchema.fields(resource)
        for (field, value) in body {
            guard let kind = schema[field] else { continue }
            validate(field, value, kind: kind, resource: resource, mode: mode, into: &result)
        }
        if mode == .create {
            for (field, kind) in schema where kind == .requiredText && body[field] == nil {
                result.fail(field, "Missing field: \(field)")
            }
        }
        return result
    }

    private func validate(_ field: String, _ value: JSONValue, kind: FieldKind, resource: HipcallResource, mode: WriteMode, into result: inout ValidatedWrite) {
        switch kind {
        case .requiredText:
            switch value {
            case .string(let text) where !text.allSatisfy(\.isWhitespace): result.changes[field] = value
            case .string, .null: result.fail(field, "can't be blank")
            default: result.fail(field, "is invalid")
            }
        case .text:
            switch value {
            case .null, .string(""): result.changes[field] = .null
            case .string: result.changes[field] = value
            default: result.fail(field, "is invalid")
            }
        case .externalID:
            switch Self.normaliseExternalID(value) {
            case .success(let normalised): result.changes[field] = normalised
            case .failure(let failure): result.fail(field, failure.message)
            }
        case .integer, .companyReference:
            switch value {
            case .null, .int: result.changes[field] = value
            default: result.fail(field, "is invalid")
            }
        case .customFields:
            guard let object = value.objectValue else { return result.fail(field, "is invalid") }
            let unknown = object.keys.filter { !customFieldSlugs.contains($0) }
            if unknown.isEmpty {
                result.changes[field] = value
            } else {
                result.errors[field] = .object(Dictionary(uniqueKeysWithValues: unknown.map { ($0, JSONValue.array([.string("is unknown")])) }))
            }
        case .phones, .emails:
            if mode == .update { return result.fail(field, "Unexpected field: \(field)") }
            let isPhones = kind == .phones
            guard let items = Self.items(value, isPhones: isPhones, startingAt: 0) else { return result.fail(field, "is invalid") }
            let keys = items.map { Self.identity(of: $0, isPhones: isPhones) }
            if Set(keys).count != keys.count { return result.fail(field, "has already been taken") }
            if isPhones && resource == .contacts && items.count > ResourceSchema.maxContactPhones {
                return result.fail(field, "should have at most \(ResourceSchema.maxContactPhones) item(s)")
            }
            result.changes[field] = .array(items)
        }
    }

    /// A failed `external_id` check and its 422 message.
    struct ExternalIDFailure: Error {
        var message: String
    }

    /// The guide's normalisation: trim; `""` is `null`; an integer becomes its string; at most 255 characters.
    static func normaliseExternalID(_ value: JSONValue) -> Result<JSONValue, ExternalIDFailure> {
        switch value {
        case .null: return .success(.null)
        case .int(let number): return .success(.string(String(number)))
        case .string(let text):
            let trimmed = text.trimmingWhitespace
            if trimmed.isEmpty { return .success(.null) }
            if trimmed.count > ResourceSchema.maxExternalIDLength {
                return .failure(ExternalIDFailure(message: "should be at most \(ResourceSchema.maxExternalIDLength) character(s)"))
            }
            return .success(.string(trimmed))
        default:
            return .failure(ExternalIDFailure(message: "is invalid"))
        }
    }

    /// Normalises a list of phone or email objects (`order` defaults to the position from
    /// `startingAt`); `nil` if any item is malformed.
    static func items(_ value: JSONValue, isPhones: Bool, startingAt start: Int) -> [JSONValue]? {
        guard let array = value.arrayValue else { return nil }
        var items: [JSONValue] = []
        for (index, item) in array.enumerated() {
            guard let object = item.objectValue else { return nil }
            let order: JSONValue
            switch object["order"] {
            case nil, .null?: order = .int(Int64(start + index))
            case .int?: order = object["order"]!
            default: return nil
            }
            if isPhones {
                guard case .string(let number)? = object["number"], !number.trimmingWhitespace.isEmpty else { return nil }
                let country: JSONValue
                switch object["country"] {
                case nil, .null?: country = .null
                case .string(let code)?: country = .string(code)
                default: return nil
                }
                items.append(.object(["country": country, "number": .string(number.trimmingWhitespace), "order": order]))
            } else {
                guard case .string(let email)? = object["email"], email.contains("@") else { return nil }
                items.append(.object(["email": .string(email.trimmingWhitespace), "order": order]))
            }
        }
        return items
    }

    /// The value that makes a phone (its number) or email (its address) a duplicate.
    static func identity(of item: JSONValue, isPhones: Bool) -> String {
        item.objectValue?[isPhones ? "number" : "email"]?.stringValue ?? ""
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
