import CRabbitMQ

/// The basic properties of a message (AMQP 0-9-1 `basic` content header), copied into Swift.
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable = [:]
    /// 2 is persistent, 1 transient; `nil` leaves it to the broker (transient).
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    public var correlationID: String?
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a string per the protocol.
    public var expiration: String?
    public var messageID: String?
    /// Seconds since the Unix epoch.
    public var timestamp: UInt64?
    public var type: String?
    public var userID: String?
    public var appID: String?

    public init(
        contentType: String? = nil, headers: AMQPTable = [:], persistent: Bool = false, messageID: String? = nil,
        timestamp: UInt64? = nil, type: String? = nil
    ) {
        self.contentType = contentType
        self.headers = headers
        self.deliveryMode = persistent ? 2 : nil
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
    }

    /// Whether the message is marked persistent.
    public var isPersistent: Bool { deliveryMode == 2 }
}

private enum PropertyFlag {
    static let contentType: amqp_flags_t = 1 << 15
    static let contentEncoding: amqp_flags_t = 1 << 14
    static let headers: amqp_flags_t = 1 << 13
    static let deliveryMode: amqp_flags_t = 1 << 12
    static let priority: amqp_flags_t = 1 << 11
    static let correlationID: amqp_flags_t = 1 << 10
    static let replyTo: amqp_flags_t = 1 << 9
    static let expiration: amqp_flags_t = 1 << 8
    static let messageID: amqp_flags_t = 1 << 7
    static let timestamp: amqp_flags_t = 1 << 6
    static let type: amqp_flags_t = 1 << 5
    static let userID: amqp_flags_t = 1 << 4
    static let appID: amqp_flags_t = 1 << 3
}

extension AMQPProperties {
    /// Copies librabbitmq's decoded properties.
    package init(copying raw: amqp_basic_properties_t) {
        let flags = raw._flags
        func text(_ flag: amqp_flags_t, _ bytes: amqp_bytes_t) -> String? {
            flags & flag != 0 ? String(amqpBytes: bytes) : nil
        }
        contentType = text(PropertyFlag.contentType, raw.content_type)
        contentEncoding = text(PropertyFlag.contentEncoding, raw.content_encoding)
        headers = flags & PropertyFlag.headers != 0 ? AMQPTable(copying: raw.headers) : [:]
        deliveryMode = flags & PropertyFlag.deliveryMode != 0 ? raw.delivery_mode : nil
        priority = flags & PropertyFlag.priority != 0 ? raw.priority : nil
        correlationID = text(PropertyFlag.correlationID, raw.correlation_id)
        replyTo = text(PropertyFlag.replyTo, raw.reply_to)
        expiration = text(PropertyFlag.expiration, raw.expiration)
        messageID = text(PropertyFlag.messageID, raw.message_id)
        timestamp = flags & PropertyFlag.timestamp != 0 ? raw.timestamp : nil
        type = text(PropertyFlag.type, raw.type)
        userID = text(PropertyFlag.userID, raw.user_id)
        appID = text(PropertyFlag.appID, raw.app_id)
    }

    /// Builds librabbitmq's properties, with every string and table owned by `arena`.
    func makeRaw(in arena: CArena) -> amqp_basic_properties_t {
        var raw = amqp_basic_properties_t()
        var flags: amqp_flags_t = 0
        func set(_ value: String?, _ flag: amqp_flags_t, _ field: inout amqp_bytes_t) {
            guard let value else { return }
            field = arena.string(value)
            flags |= flag
        }
        set(contentType, PropertyFlag.contentType, &raw.content_type)
        set(contentEncoding, PropertyFlag.contentEncoding, &raw.content_encoding)
        if !headers.isEmpty {
            raw.headers = arena.table(headers)
            flags |= PropertyFlag.headers
        }
        if let deliveryMode {
            raw.delivery_mode = deliveryMode
            flags |= PropertyFlag.deliveryMode
        }
        if let priority {
            raw.priority = priority
            flags |= PropertyFlag.priority
        }
        set(correlationID, PropertyFlag.correlationID, &raw.correlation_id)
        set(replyTo, PropertyFlag.replyTo, &raw.reply_to)
        set(expiration, PropertyFlag.expiration, &raw.expiration)
        set(messageID, PropertyFlag.messageID, &raw.message_id)
        if let timestamp {
            raw.timestamp = timestamp
            flags |= PropertyFlag.timestamp
        }
        set(type, PropertyFlag.type, &raw.type)
        set(userID, PropertyFlag.userID, &raw.user_id)
        set(appID, PropertyFlag.appID, &raw.app_id)
        raw._flags = flags
        return raw
    }
}
