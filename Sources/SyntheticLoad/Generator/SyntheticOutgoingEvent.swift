import AMQPClient
import HipcallSync

/// One message the publisher sends: routing key, body and the identifying properties every event carries.
public struct OutgoingEvent: Sendable, Equatable {
    /// The routing key the message is published with.
    public var routingKey: String
    public var body: [UInt8]
    /// The event id, sent as `message_id`; nil when the body has none (poison events).
    public var messageID: String?
    /// The `x-hipcall-key` value, such as `companies:ERP-1`.
    public var partitionKey: String
    /// A routing key the worker should decode with instead of ``routingKey`` (the worker's
    /// `x-hipcall-routing-key` header): how an unknown-routing-key poison event reaches the work queue.
    public var declaredRoutingKey: String?
    /// Further headers (a repair's ``SyncHeaders/repair``).
    public var headers: AMQPTable

    public init(
        routingKey: String, body: [UInt8], messageID: String?, partitionKey: String, declaredRoutingKey: String? = nil,
        headers: AMQPTable = [:]
    ) {
        self.headers = headers
        self.routingKey = routingKey
        self.body = body
        self.messageID = messageID
        self.partitionKey = partitionKey
        self.declaredRoutingKey = declaredRoutingKey
    }

    /// The routing key the worker judges the event by.
    public var effectiveRoutingKey: String { declaredRoutingKey ?? routingKey }

    /// Persistent JSON with `message_id`, the further headers and the partition key header (and the declared routing key, if any).
    public var properties: AMQPProperties {
        var headers = headers
        headers[SyncHeaders.key] = .string(partitionKey)
        if let declaredRoutingKey { headers[SyncHeaders.originalRoutingKey] = .string(declaredRoutingKey) }
        return AMQPProperties(contentType: "application/json", headers: headers, persistent: true, messageID: messageID)
    }
}
