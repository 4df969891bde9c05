import Foundation
import Hipcall
import HipcallJSON

/// Hipcall's `external_id` rules: a string or JSON integer, trimmed, non-empty, at most 255 characters.
public enum ExternalID {
    /// The longest external id Hipcall accepts, in characters (`String.count`).
    public static let maxLength = 255

    /// Normalises a JSON value the way Hipcall stores it, or explains why it cannot be an external id.
    /// `null` is not handled here: callers decide what a null means for their field.
    public static func normalise(_ value: JSONValue, field: String) throws(EventRejection) -> String {
        let raw: String
        switch value {
        case .string(let string): raw = string
        case .int(let integer): raw = String(integer)
        default:
            throw EventRejection(.wrongType, field: field, message: "\(field) must be a string or an integer")
        }
        let trimmed = raw.trimmingWhitespaceAndNewlines()
        if trimmed.isEmpty {
            throw EventRejection(.emptyExternalID, field: field, message: "\(field) is empty after trimming whitespace")
        }
        // Characters are never more than UTF-8 bytes: most ids are counted without grapheme breaking.
        if trimmed.utf8.count > maxLength, trimmed.count > maxLength {
            throw EventRejection(
                .externalIDTooLong, field: field,
                message: "\(field) has \(trimmed.count) characters, more than \(maxLength)")
        }
        return trimmed
    }
}
