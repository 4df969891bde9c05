/// A value in an AMQP field table (message headers, queue and exchange arguments).
public indirect enum AMQPFieldValue: Sendable, Hashable {
    case bool(Bool)
    /// Every integer width decodes to this; it is encoded as a signed 64-bit integer.
    case int(Int64)
    /// Floats, doubles and decimals decode to this.
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// Seconds since the Unix epoch.
    case timestamp(UInt64)
    case table(AMQPTable)
    case array([AMQPFieldValue])
    case void

    /// The string inside, if this is a string (or UTF-8 bytes).
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .bytes(let value): return String(validating: value, as: UTF8.self)
        default: return nil
        }
    }

    /// The integer inside, if this is an integer or a timestamp.
    var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .timestamp(let value): return Int64(clamping: value)
        default: return nil
        }
    }

    /// The nested table, if this is a table.
    var tableValue: AMQPTable? {
        if case .table(let value) = self { return value }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [AMQPFieldValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

/// An AMQP field table: header or argument names to values.
public typealias AMQPTable = [String: AMQPFieldValue]

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// One entry of RabbitMQ's `x-death` header: why and how often a message was dead-lettered from a queue.
public struct AMQPDeathRecord: Sendable, Equatable {
    public var queue: String
    public var reason: String
    public var exchange: String
    var routingKeys: [String]
    public var count: Int64
    public var time: UInt64?

    /// The header RabbitMQ keeps these records in.
    public static let header = "x-death"

    /// Decodes the `x-death` header of a message, newest first as RabbitMQ keeps it; empty when absent.
    public static func decode(from headers: AMQPTable) -> [AMQPDeathRecord] {
        guard let entries = headers[header]?.arrayValue else { return [] }
        return entries.compactMap { entry in
            guard let table = entry.tableValue else { return nil }
            return AMQPDeathRecord(
                queue: table["queue"]?.stringValue ?? "",
                reason: table["reason"]?.stringValue ?? "",
                exchange: table["exchange"]?.stringValue ?? "",
                routingKeys: table["routing-keys"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                count: table["count"]?.intValue ?? 0,
                time: table["time"].flatMap { if case .timestamp(let t) = $0 { t } else { nil } })
        }
    }
}
