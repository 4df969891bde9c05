import Hipcall
import HipcallJSON

/// How the simulator checks and stores one field.
enum FieldKind: Sendable {
    /// Text that must be present on create and never blank (`name`, `first_name`).
    case requiredText
    /// Optional text; `""` and `null` clear it.
    case text
    /// `external_id`, normalised as the guide says.
    case externalID
    /// An integer or `null` (`assign_to_user_id`).
    case integer
    /// A company id of the same account, or `null` (`company_id`).
    case companyReference
    /// `custom_fields`: an object of known slugs; only the slugs sent change.
    case customFields
    /// `phones`: accepted on create only, then through the sub-resource.
    case phones
    /// `emails`: accepted on create only, then through the sub-resource.
    case emails
}

/// The documented fields of companies and contacts.
enum ResourceSchema {
    /// Longest `external_id` accepted, in characters.
    static let maxExternalIDLength = 255
    /// Most phones a contact holds.
    static let maxContactPhones = 6

    static let company: [String: FieldKind] = [
        "name": .requiredText, "external_id": .externalID, "website_url": .text, "custom_url": .text,
        "description": .text, "linkedin_url": .text, "assign_to_user_id": .integer,
        "emails": .emails, "phones": .phones,
    ]

    static let contact: [String: FieldKind] = [
        "first_name": .requiredText, "last_name": .text, "external_id": .externalID, "company_id": .companyReference,
        "job_title": .text, "custom_url": .text, "linkedin_url": .text, "assign_to_user_id": .integer,
        "custom_fields": .customFields, "emails": .emails, "phones": .phones,
    ]

    /// The field table of `resource`.
    static func fields(_ resource: HipcallResource) -> [String: FieldKind] {
        resource == .companies ? company : contact
    }

    /// A new record's fields before the request's values are applied: `null`, `[]` or `{}`.
    static func defaults(_ resource: HipcallResource) -> [String: JSONValue] {
        fields(resource).mapValues { kind in
            switch kind {
            case .phones, .emails: .array([])
            case .customFields: .object([:])
            default: .null
            }
        }
    }
}
