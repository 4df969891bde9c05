/// Why an incoming event was refused before any API call: a machine-readable reason, the offending field and a short message.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason codes, stable enough to count in metrics and stamp on dead letters.
    public enum Reason: String, Sendable, Hashable {
        case bodyTooLarge = "body_too_large"
        case unknownRoutingKey = "unknown_routing_key"
        case malformedJSON = "malformed_json"
        case notAnObject = "not_an_object"
        case missingField = "missing_field"
        case wrongType = "wrong_type"
        case emptyField = "empty_field"
        case emptyExternalID = "empty_external_id"
        case externalIDTooLong = "external_id_too_long"
        case conflictingExternalID = "conflicting_external_id"
        case invalidTimestamp = "invalid_timestamp"
        /// `occurred_at` further ahead of the worker's clock than its `--max-clock-skew`.
        case occurredAtInFuture = "occurred_at_in_future"
        /// A header only the worker's retry queues may set, forged on a fresh event (the field names it).
        case untrustedHeader = "untrusted_header"
        case invalidValue = "invalid_value"
        case tooManyPhones = "too_many_phones"
    }

    /// The longest message kept, in UTF-8 bytes.
    public static let maxMessageBytes = 1024

    public let reason: Reason
    /// The field at fault as a path such as `data.phones[2].number`, or nil when the whole body is at fault.
    public let field: String?
    /// A human-readable explanation, at most ``maxMessageBytes`` UTF-8 bytes.
    public let message: String

    public init(_ reason: Reason, field: String? = nil, message: String) {
        self.reason = reason
        self.field = field
        self.message = message.truncatedToUTF8(maxBytes: Self.maxMessageBytes)
    }

    public var description: String {
        "\(reason.rawValue)\(field.map { " (\($0))" } ?? ""): \(message)"
    }
}

extension String {
    /// This string cut on a character boundary so that its UTF-8 form is at most `maxBytes` long.
    func truncatedToUTF8(maxBytes: Int) -> String {
        if utf8.count <= maxBytes { return self }
        var result = ""
        var bytes = 0
        for character in self {
            let size = character.utf8.count
            if bytes + size > maxBytes { break }
            result.append(character)
            bytes += size
        }
        return result
    }
}
