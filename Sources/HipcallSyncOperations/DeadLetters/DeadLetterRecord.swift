import AMQPClient
import Foundation
import HipcallJSON

/// One dead letter as a line of an export file (NDJSON) and back, losing nothing: the routing
/// key, every basic property, every header with its AMQP type, and the body byte for byte (as
/// text when it is UTF-8 JSON, else base64).
///
/// A line is `{"exchange", "routing_key", "properties": {content_type, ..., timestamp},
/// "headers": {name: {type: value}}, "body" | "body_base64"}`; a header value is one of
/// `{"bool": b}`, `{"int": n}`, `{"double": "text"}`, `{"string": s}`, `{"bytes": base64}`,
/// `{"timestamp": "seconds"}`, `{"table": {...}}`, `{"array": [...]}`, `{"void": null}`.
public struct DeadLetterRecord: Sendable, Equatable {
    /// The exchange it was delivered from (information; import routes by its own rules).
    public var exchange: String
    /// The routing key it was delivered with.
    public var routingKey: String
    public var properties: AMQPProperties
    public var body: [UInt8]

    /// The record of a fetched dead letter.
    init(_ letter: DeadLetter) {
        exchange = letter.delivery.exchange
        routingKey = letter.delivery.routingKey
        properties = letter.delivery.properties
        body = letter.delivery.body
    }

    /// The line, without its newline (compact JSON, keys sorted).
    public var line: String {
        var object: [String: JSONValue] = [
            "exchange": .string(exchange), "routing_key": .string(routingKey), "properties": .object(Self.encode(properties)),
            "headers": .object(properties.headers.mapValues(Self.encode)),
        ]
        if let text = String(validating: body, as: UTF8.self), StrictJSON.parse(body) != nil {
            object["body"] = .string(text)
        } else {
            object["body_base64"] = .string(Data(body).base64EncodedString())
        }
        return JSONValue.object(object).jsonText
    }

    /// Reads line `number` (1-based, for the error) of an export file.
    public init(line: some Collection<UInt8>, number: Int) throws(DeadLetterRecordError) {
        func fail(_ field: String, _ reason: String) -> DeadLetterRecordError {
            DeadLetterRecordError(line: number, field: field, reason: reason)
        }
        guard let object = StrictJSON.parse(Array(line))?.objectValue else { throw fail("-", "not a JSON object") }
        guard let routingKey = object["routing_key"]?.stringValue, routingKey.utf8.count <= 255 else {
            throw fail("routing_key", "missing, not a string or longer than 255 bytes")
        }
        self.routingKey = routingKey
        exchange = object["exchange"]?.stringValue ?? ""
        switch (object["body"]?.stringValue, object["body_base64"]?.stringValue) {
        case (let text?, nil): body = Array(text.utf8)
        case (nil, let base64?):
            guard let data = Data(base64Encoded: base64) else { throw fail("body_base64", "not base64") }
            body = Array(data)
        default: throw fail("body", "exactly one of body (text) and body_base64 is required")
        }
        properties = try Self.decodeProperties(object["properties"]?.objectValue ?? [:], fail: fail)
        var headers: AMQPTable = [:]
        for (name, value) in object["headers"]?.objectValue ?? [:] {
            guard name.utf8.count <= Self.maxFieldNameBytes else { throw fail("headers", "a header name longer than 255 bytes") }
            guard let decoded = Self.decode(value) else { throw fail("headers.\(name)", "not a typed AMQP field value") }
            headers[name] = decoded
        }
        properties.headers = headers
    }

    /// The longest AMQP field-table name (a short string: one length byte).
    static let maxFieldNameBytes = 255

    /// The basic properties that are set, by their AMQP names.
    private static func encode(_ p: AMQPProperties) -> [String: JSONValue] {
        let texts: [(String, String?)] = [
            ("content_type", p.contentType), ("content_encoding", p.contentEncoding), ("correlation_id", p.correlationID),
            ("reply_to", p.replyTo), ("expiration", p.expiration), ("message_id", p.messageID), ("type", p.type),
            ("user_id", p.userID), ("app_id", p.appID),
        ]
        var object = Dictionary(uniqueKeysWithValues: texts.compactMap { name, value in value.map { (name, JSONValue.string($0)) } })
        if let mode = p.deliveryMode { object["delivery_mode"] = .int(Int64(mode)) }
        if let priority = p.priority { object["priority"] = .int(Int64(priority)) }
        if let timestamp = p.timestamp { object["timestamp"] = .string(String(timestamp)) }
        return object
    }

    private static func decodeProperties(
        _ object: [String: JSONValue], fail: (String, String) -> DeadLetterRecordError
    ) throws(DeadLetterRecordError) -> AMQPProperties {
        var p = AMQPProperties()
        func text(_ name: String) throws(DeadLetterRecordError) -> String? {
            guard let value = object[name] else { return nil }
            guard let text = value.stringValue, text.utf8.count <= 255 else {
                throw fail("properties.\(name)", "not a string of at most 255 bytes")
            }
            return text
        }
        func octet(_ name: String) throws(DeadLetterRecordError) -> UInt8? {
            guard let value = object[name] else { return nil }
            guard let number = value.intValue, let octet = UInt8(exactly: number) else { throw fail("properties.\(name)", "not 0-255") }
            return octet
        }
        p.contentType = try text("content_type")
        p.contentEncoding = try text("content_encoding")
        p.correlationID = try text("correlation_id")
        p.replyTo = try text("reply_to")
        p.expiration = try text("expiration")
        p.messageID = try text("message_id")
        p.type = try text("type")
        p.userID = try text("user_id")
        p.appID = try text("app_id")
        p.deliveryMode = try octet("delivery_mode")
        p.priority = try octet("priority")
        if let value = object["timestamp"] {
            guard let timestamp = value.stringValue.flatMap({ UInt64($0) }) else { throw fail("properties.timestamp", "not decimal seconds") }
            p.timestamp = timestamp
        }
        return p
    }

    /// A header value with its AMQP type.
    private static func encode(_ value: AMQPFieldValue) -> JSONValue {
        switch value {
        case .bool(let flag): ["bool": .bool(flag)]
        case .int(let number): ["int": .int(number)]
        case .double(let number): ["double": .string("\(number)")]
        case .string(let text): ["string": .string(text)]
        case .bytes(let bytes): ["bytes": .string(Data(bytes).base64EncodedString())]
        case .timestamp(let seconds): ["timestamp": .string(String(seconds))]
        case .table(let table): ["table": .object(table.mapValues(encode))]
        case .array(let values): ["array": .array(values.map(encode))]
        case .void: ["void": .null]
        }
    }

    /// The header value ``encode(_:)-(AMQPFieldValue)`` wrote; nil for anything else.
    private static func decode(_ json: JSONValue) -> AMQPFieldValue? {
        guard let object = json.objectValue, object.count == 1, let (type, value) = object.first else { return nil }
        switch (type, value) {
        case ("bool", .bool(let flag)): return .bool(flag)
        case ("int", .int(let number)): return .int(number)
        case ("double", .string(let text)): return Double(text).map(AMQPFieldValue.double)
        case ("string", .string(let text)): return .string(text)
        case ("bytes", .string(let base64)): return Data(base64Encoded: base64).map { .bytes(Array($0)) }
        case ("timestamp", .string(let text)): return UInt64(text).map(AMQPFieldValue.timestamp)
        case ("table", .object(let members)):
            var table: AMQPTable = [:]
            for (name, member) in members {
                guard name.utf8.count <= maxFieldNameBytes, let decoded = decode(member) else { return nil }
                table[name] = decoded
            }
            return .table(table)
        case ("array", .array(let elements)):
            var values: [AMQPFieldValue] = []
            for element in elements {
                guard let decoded = decode(element) else { return nil }
                values.append(decoded)
            }
            return .array(values)
        case ("void", .null): return .void
        default: return nil
        }
    }
}

/// Why a line of an export file cannot be imported: its number, the field and what is wrong.
public struct DeadLetterRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let field: String
    public let reason: String

    public var description: String { "line \(line), \(field): \(reason)" }
}
