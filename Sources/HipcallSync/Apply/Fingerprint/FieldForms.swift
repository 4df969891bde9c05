import Foundation
import HipcallJSON

/// The comparison rules for managed fields, written once: each rule turns a value into a canonical
/// form, and two values are the same for Hipcall exactly when their forms are equal. ``UpsertPlan``
/// compares a record's forms with an event's; a ``RecordFingerprint`` keeps hashes of the forms.
///
/// - Text: `""` and `null` (or an absent member) are one form, since Hipcall stores a cleared text as either.
/// - `external_id`: normalised (trimmed; integers as strings); one that cannot be an external id is `null`.
/// - `phones`: the set of trimmed numbers (`order` and `country` are ignored; duplicates count once).
/// - `emails`: the set of trimmed, lower-cased addresses.
/// - A contact's `custom_fields`: one form per slug (a scalar each), since only the slugs sent change.
/// - `company_id` (a contact's resolved `company_external_id`) and any other field: a scalar.
public enum FieldForms {
    /// A list managed through its own sub-resource: the member naming an item and the identity it is compared by.
    enum List: CaseIterable {
        case phones
        case emails

        /// The list field named `name`, if it is one.
        init?(field name: String) {
            switch name {
            case "phones": self = .phones
            case "emails": self = .emails
            default: return nil
            }
        }

        /// The field's name.
        var field: String {
            switch self {
            case .phones: "phones"
            case .emails: "emails"
            }
        }

        /// The member of an item that names it (`number`, `email`).
        var member: String {
            switch self {
            case .phones: "number"
            case .emails: "email"
            }
        }

        /// The identity items are compared by.
        func identity(_ spelling: String) -> String {
            switch self {
            case .phones: spelling.trimmingWhitespace()
            case .emails: spelling.trimmingWhitespace().lowercased()
            }
        }

        /// The spellings of a list's items, in order (items without a string `member` are skipped).
        func spellings(_ list: JSONValue?) -> [String] {
            (list?.arrayValue ?? []).compactMap { $0.objectValue?[member]?.stringValue }
        }

        /// The list's form: its distinct identities, sorted.
        func form(_ list: JSONValue?) -> JSONValue {
            .array(Set(spellings(list).map(identity)).sorted().map(JSONValue.string))
        }
    }

    /// Whether field `name` of `resource` is compared per member (a contact's `custom_fields`).
    public static func isPerSlug(_ name: String, resource: SyncResource) -> Bool {
        name == "custom_fields" && resource == .contacts
    }

    /// The form of field `name`'s value (not for a per-slug field: use ``scalar(_:)`` per slug).
    public static func form(of name: String, _ value: JSONValue?) -> JSONValue {
        if let list = List(field: name) { return list.form(value) }
        if name == "external_id" { return externalID(value) }
        return scalar(value)
    }

    /// A scalar's form: `""` and an absent member are `null`.
    public static func scalar(_ value: JSONValue?) -> JSONValue {
        guard let value, value != .string("") else { return .null }
        return value
    }

    /// An `external_id`'s form: normalised as Hipcall stores it, or `null`.
    public static func externalID(_ value: JSONValue?) -> JSONValue {
        guard let value, value != .null, let normalised = try? ExternalID.normalise(value, field: "external_id") else {
            return .null
        }
        return .string(normalised)
    }
}
