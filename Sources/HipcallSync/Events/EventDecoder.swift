import Foundation
import Hipcall
import HipcallJSON

/// Turns a broker delivery (routing key and body) into a validated ``SyncEvent`` or an ``EventRejection``.
///
/// Only the shape is checked: field types for the fields Hipcall documents, external id rules and
/// timestamps. Unknown `data` members pass through untouched for Hipcall to judge.
public struct EventDecoder: Sendable {
    /// Bodies longer than this many bytes are rejected before parsing.
    public let maxBodyBytes: Int

    /// The most phones Hipcall keeps on one contact.
    static let maxContactPhones = 6

    /// How far ahead of `now` an `occurred_at` may be; nil accepts any (the publish command, which
    /// only checks shapes). An event further in the future would, once applied, make every later
    /// real event for its record look stale.
    let maxClockSkew: Duration?

    public init(maxBodyBytes: Int = 256 * 1024, maxClockSkew: Duration? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.maxClockSkew = maxClockSkew
    }

    /// Decodes and validates one delivery.
    public func decode(routingKey: String, body: Data, now: Date = Date()) throws(EventRejection) -> SyncEvent {
        try decode(routingKey: routingKey, body: Array(body), now: now)
    }

    /// Decodes and validates one delivery; `now` is the clock ``maxClockSkew`` is measured from.
    public func decode(routingKey: String, body: [UInt8], now: Date = Date()) throws(EventRejection) -> SyncEvent {
        if body.count > maxBodyBytes {
            throw EventRejection(.bodyTooLarge, message: "body has \(body.count) bytes, more than \(maxBodyBytes)")
        }
        guard let resource = RoutingKeys.resource(ofEvent: routingKey) else {
            throw EventRejection(.unknownRoutingKey, message: "unknown routing key \(routingKey.debugDescription)")
        }
        guard let root = StrictJSON.parse(body) else {
            throw EventRejection(
                .malformedJSON, message: "body is not valid UTF-8 JSON (or nests deeper than \(StrictJSON.maxDepth))")
        }
        guard case .object(let object) = root else {
            throw EventRejection(.notAnObject, message: "body must be a JSON object")
        }
        return try validate(object, resource: resource, now: now)
    }

    /// Validates an event already parsed into its top-level `object` (a CRM export's line), as
    /// ``decode(routingKey:body:now:)`` validates a body after parsing it.
    public func decode(routingKey: String, object: [String: JSONValue], now: Date = Date()) throws(EventRejection) -> SyncEvent {
        guard let resource = RoutingKeys.resource(ofEvent: routingKey) else {
            throw EventRejection(.unknownRoutingKey, message: "unknown routing key \(routingKey.debugDescription)")
        }
        return try validate(object, resource: resource, now: now)
    }

    /// Checks an event object's members and builds the event.
    private func validate(_ object: [String: JSONValue], resource: SyncResource, now: Date) throws(EventRejection) -> SyncEvent {
        let eventID = try requiredString(object, "event_id")
        let occurredText = try requiredString(object, "occurred_at")
        guard let occurredAt = RFC3339.parse(occurredText) else {
            throw EventRejection(.invalidTimestamp, field: "occurred_at", message: "occurred_at is not an RFC 3339 date-time")
        }
        if let maxClockSkew, occurredAt.timeIntervalSince(now) > maxClockSkew.timeInterval {
            throw EventRejection(
                .occurredAtInFuture, field: "occurred_at",
                message: "occurred_at \(occurredText.debugDescription) is more than \(maxClockSkew) ahead of the worker's clock")
        }
        guard let rawExternalID = object["external_id"], rawExternalID != .null else {
            throw EventRejection(.missingField, field: "external_id", message: "external_id is required")
        }
        let externalID = try ExternalID.normalise(rawExternalID, field: "external_id")
        var previousExternalID: String?
        if let raw = object["previous_external_id"], raw != .null {
            let previous = try ExternalID.normalise(raw, field: "previous_external_id")
            previousExternalID = previous == externalID ? nil : previous
        }
        var hipcallID: Int64?
        if let raw = object["hipcall_id"], raw != .null {
            guard case .int(let id) = raw else {
                throw EventRejection(.wrongType, field: "hipcall_id", message: "hipcall_id must be an integer")
            }
            guard id > 0 else {
                throw EventRejection(.invalidValue, field: "hipcall_id", message: "hipcall_id must be positive")
            }
            hipcallID = id
        }
        guard let rawData = object["data"] else {
            throw EventRejection(.missingField, field: "data", message: "data is required")
        }
        guard case .object(var data) = rawData else {
            throw EventRejection(.wrongType, field: "data", message: "data must be an object")
        }
        try DataValidator(resource: resource).validate(data)

        if let raw = data["external_id"], raw != .null {
            let inner = try ExternalID.normalise(raw, field: "data.external_id")
            guard inner == externalID else {
                throw EventRejection(
                    .conflictingExternalID, field: "data.external_id",
                    message: "data.external_id differs from the event's external_id")
            }
            data["external_id"] = .string(inner)
        } else if data["external_id"] == .null {
            throw EventRejection(
                .conflictingExternalID, field: "data.external_id",
                message: "data.external_id is null but the event names external_id")
        }
        var companyExternalID: String?
        if resource == .contacts, let raw = data["company_external_id"], raw != .null {
            let normalised = try ExternalID.normalise(raw, field: "data.company_external_id")
            data["company_external_id"] = .string(normalised)
            companyExternalID = normalised
        }
        return SyncEvent(
            resource: resource, eventID: eventID, occurredAt: occurredAt, externalID: externalID,
            previousExternalID: previousExternalID, hipcallID: hipcallID, data: data,
            companyExternalID: companyExternalID)
    }

    private func requiredString(_ object: [String: JSONValue], _ name: String) throws(EventRejection) -> String {
        guard let value = object[name], value != .null else {
            throw EventRejection(.missingField, field: name, message: "\(name) is required")
        }
        guard case .string(let string) = value else {
            throw EventRejection(.wrongType, field: name, message: "\(name) must be a string")
        }
        guard !string.trimmingWhitespaceAndNewlines().isEmpty else {
            throw EventRejection(.emptyField, field: name, message: "\(name) must not be empty")
        }
        return string
    }
}

/// Type checks for the `data` members Hipcall documents for one resource.
private struct DataValidator {
    let resource: SyncResource

    /// The text fields of companies and of contacts, built once (not per member checked).
    private static let companyTextFields: Set<String> = ["website_url", "custom_url", "description", "linkedin_url"]
    private static let contactTextFields: Set<String> = ["last_name", "job_title", "custom_url", "linkedin_url"]
    private static let companyIntegerFields: Set<String> = ["assign_to_user_id"]
    private static let contactIntegerFields: Set<String> = ["assign_to_user_id", "company_id"]

    private var textFields: Set<String> {
        resource == .companies ? Self.companyTextFields : Self.contactTextFields
    }

    private var integerFields: Set<String> {
        resource == .companies ? Self.companyIntegerFields : Self.contactIntegerFields
    }

    /// The field Hipcall requires on create and refuses to clear.
    private var requiredText: String {
        resource == .companies ? "name" : "first_name"
    }

    func validate(_ data: [String: JSONValue]) throws(EventRejection) {
        for (name, value) in data {
            let field = "data.\(name)"
            if name == requiredText {
                if value == .null {
                    throw EventRejection(.emptyField, field: field, message: "\(field) must not be empty or cleared")
                }
                guard case .string(let string) = value else {
                    throw EventRejection(.wrongType, field: field, message: "\(field) must be a string")
                }
                if string.trimmingWhitespaceAndNewlines().isEmpty {
                    throw EventRejection(.emptyField, field: field, message: "\(field) must not be empty or cleared")
                }
            } else if textFields.contains(name) {
                guard value == .null || value.stringValue != nil else {
                    throw EventRejection(.wrongType, field: field, message: "\(field) must be a string or null")
                }
            } else if integerFields.contains(name) {
                guard value == .null || value.intValue != nil else {
                    throw EventRejection(.wrongType, field: field, message: "\(field) must be an integer or null")
                }
            } else if name == "phones" {
                try validateList(value, field: field, member: "number")
                if resource == .contacts, let phones = value.arrayValue {
                    let distinct = Set(phones.compactMap { $0.objectValue?["number"]?.stringValue })
                    if distinct.count > EventDecoder.maxContactPhones {
                        throw EventRejection(
                            .tooManyPhones, field: field,
                            message: "a contact has at most \(EventDecoder.maxContactPhones) phones, got \(distinct.count)")
                    }
                }
            } else if name == "emails" {
                try validateList(value, field: field, member: "email")
            } else if name == "custom_fields", resource == .contacts {
                guard value.objectValue != nil else {
                    throw EventRejection(.wrongType, field: field, message: "\(field) must be an object")
                }
            }
        }
    }

    /// Checks a `phones`/`emails` list: null, or an array of objects each with a non-empty string `member`.
    private func validateList(_ value: JSONValue, field: String, member: String) throws(EventRejection) {
        if value == .null { return }
        guard let items = value.arrayValue else {
            throw EventRejection(.wrongType, field: field, message: "\(field) must be an array or null")
        }
        for (index, item) in items.enumerated() {
            let itemField = "\(field)[\(index)]"
            guard let object = item.objectValue else {
                throw EventRejection(.wrongType, field: itemField, message: "\(itemField) must be an object")
            }
            guard let text = object[member]?.stringValue else {
                throw EventRejection(.wrongType, field: "\(itemField).\(member)", message: "\(itemField).\(member) must be a string")
            }
            if text.trimmingWhitespace().isEmpty {
                throw EventRejection(.emptyField, field: "\(itemField).\(member)", message: "\(itemField).\(member) must not be empty")
            }
            if let country = object["country"], country != .null, country.stringValue == nil {
                throw EventRejection(.wrongType, field: "\(itemField).country", message: "\(itemField).country must be a string")
            }
            if let order = object["order"], order != .null, order.intValue == nil {
                throw EventRejection(.wrongType, field: "\(itemField).order", message: "\(itemField).order must be an integer")
            }
        }
    }
}
