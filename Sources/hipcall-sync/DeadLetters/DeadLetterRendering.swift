import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// How dead letters appear in tables and JSON.
extension DeadLetter {
    /// The event id, or `-`.
    var eventIDText: String { eventID ?? "-" }

    /// The failure time as RFC 3339 (UTC), or nil.
    var failedAtText: String? { failedAt?.formatted(.iso8601) }

    /// The list row: event id, type, external id, reason, attempts, replays, failed at.
    var tableRow: [String] {
        [eventIDText, routingKey, externalID ?? "-", reason ?? "-", attempts.map(String.init) ?? "-", String(replays), failedAtText ?? "-"]
    }

    static let tableHeaders = ["EVENT ID", "TYPE", "EXTERNAL ID", "REASON", "ATTEMPTS", "REPLAYS", "FAILED AT"]

    /// The list entry as JSON (absent values are `null`).
    var summaryJSON: JSONValue {
        .object([
            "event_id": eventID.map(JSONValue.string) ?? .null, "type": .string(routingKey),
            "external_id": externalID.map(JSONValue.string) ?? .null,
            "error_class": errorClass.map(JSONValue.string) ?? .null, "error": errorMessage.map(JSONValue.string) ?? .null,
            "attempts": attempts.map { .int(Int64($0)) } ?? .null, "failed_at": failedAtText.map(JSONValue.string) ?? .null,
            "replays": .int(Int64(replays)), "parked_reason": parkedReason.map(JSONValue.string) ?? .null,
        ])
    }

    /// Everything about the message as JSON: the summary, delivery facts, properties, headers and body
    /// (`body` when it is UTF-8 text, else `body_base64`).
    var detailJSON: JSONValue {
        guard case .object(var object) = summaryJSON else { return summaryJSON }
        let properties = delivery.properties
        object["routing_key"] = .string(delivery.routingKey)
        object["exchange"] = .string(delivery.exchange)
        object["redelivered"] = .bool(delivery.redelivered)
        object["properties"] = .object(propertyFields.mapValues(JSONValue.string))
        object["headers"] = .object(properties.headers.mapValues(\.json))
        if let text = String(validating: delivery.body, as: UTF8.self) {
            object["body"] = .string(text)
        } else {
            object["body_base64"] = .string(Data(delivery.body).base64EncodedString())
        }
        return .object(object)
    }

    /// The set basic properties other than headers, by their AMQP names.
    var propertyFields: [String: String] {
        let p = delivery.properties
        let fields: [(String, String?)] = [
            ("content_type", p.contentType), ("content_encoding", p.contentEncoding),
            ("delivery_mode", p.deliveryMode.map { String($0) }), ("priority", p.priority.map { String($0) }),
            ("correlation_id", p.correlationID), ("reply_to", p.replyTo), ("expiration", p.expiration),
            ("message_id", p.messageID),
            ("timestamp", p.timestamp.map { Date(timeIntervalSince1970: TimeInterval($0)).formatted(.iso8601) }),
            ("type", p.type), ("user_id", p.userID), ("app_id", p.appID),
        ]
        return Dictionary(uniqueKeysWithValues: fields.compactMap { name, value in value.map { (name, $0) } })
    }

    /// The message as text for `show`: summary, properties, headers, then the body.
    var detailText: String {
        var lines = [
            "event id:     \(eventIDText)", "type:         \(routingKey)", "external id:  \(externalID ?? "-")",
            "reason:       \(reason ?? "-")", "attempts:     \(attempts.map(String.init) ?? "-")", "replays:      \(replays)",
            "failed at:    \(failedAtText ?? "-")",
        ]
        if let parkedReason { lines.append("parked:       \(parkedReason)") }
        lines += [
            "delivered:    exchange '\(delivery.exchange)', routing key '\(delivery.routingKey)'\(delivery.redelivered ? ", redelivered" : "")",
            "properties:",
        ]
        lines += propertyFields.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)" }
        lines.append("headers:")
        lines += delivery.headers.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value.json.jsonText)" }
        let shown = delivery.body.prefix(Self.textBodyBytes)
        let rest = delivery.body.count - shown.count
        let more = rest > 0 ? ", the first \(shown.count) shown; --json prints all" : ""
        if let text = Self.utf8Text(shown, cut: rest > 0) {
            lines += ["body (\(delivery.body.count) bytes\(more)):", text]
        } else {
            lines += ["body (\(delivery.body.count) bytes, not UTF-8, base64\(more)):", Data(shown).base64EncodedString()]
        }
        if rest > 0 { lines.append("… \(rest) more bytes") }
        return lines.joined(separator: "\n")
    }

    /// The most body bytes `show` prints as text (a refused body can be 30 MiB or more).
    static let textBodyBytes = 64 * 1024

    /// `bytes` as UTF-8 text, or nil; when they were `cut` from a longer body, an incomplete
    /// character at the end (at most 3 bytes) is left out.
    private static func utf8Text(_ bytes: ArraySlice<UInt8>, cut: Bool) -> String? {
        for dropped in 0...(cut ? min(3, bytes.count) : 0) {
            if let text = String(validating: bytes.dropLast(dropped), as: UTF8.self) { return text }
        }
        return nil
    }
}

extension AMQPFieldValue {
    /// The value as JSON: byte strings as UTF-8 text when they are, else base64; timestamps as RFC 3339.
    var json: JSONValue {
        switch self {
        case .bool(let value): .bool(value)
        case .int(let value): .int(value)
        case .double(let value): .double(value)
        case .string(let value): .string(value)
        case .bytes(let value): .string(String(validating: value, as: UTF8.self) ?? Data(value).base64EncodedString())
        case .timestamp(let value): .string(Date(timeIntervalSince1970: TimeInterval(value)).formatted(.iso8601))
        case .table(let table): .object(table.mapValues(\.json))
        case .array(let values): .array(values.map(\.json))
        case .void: .null
        }
    }
}

extension DeadLetterReport {
    /// The per-message outcomes and the tally as JSON.
    func json(dryRun: Bool, removedKey: String) -> JSONValue {
        .object([
            "dry_run": .bool(dryRun), "examined": .int(Int64(examined)), "matched": .int(Int64(matched)),
            removedKey: .int(Int64(removed)), "parked": .int(Int64(parked)), "skipped": .int(Int64(skipped)), "failed": .int(Int64(failed)),
            "messages": .array(outcomes.map(\.json)),
        ])
    }
}

extension DeadLetterOutcome {
    /// One line for progress output and the failure list.
    var line: String {
        var text = "\(action.label) \(letter.eventIDText) \(letter.routingKey) external_id=\(letter.externalID ?? "-")"
        if case .failed(let reason) = action { text += ": \(reason)" }
        return text
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [
            "event_id": letter.eventID.map(JSONValue.string) ?? .null, "type": .string(letter.routingKey),
            "external_id": letter.externalID.map(JSONValue.string) ?? .null, "outcome": .string(action.label),
        ]
        if case .failed(let reason) = action { object["error"] = .string(reason) }
        return .object(object)
    }
}
