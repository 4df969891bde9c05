import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// One message in the dead-letter queue, read without settling it: what the worker (through the
/// `x-hipcall-*` headers) or RabbitMQ (through `x-death`, e.g. the quorum queue's delivery limit)
/// recorded about why it failed, and the event's identity from its properties and body.
public struct DeadLetter: Sendable {
    /// The message as fetched; settle it through ``DeadLetterQueue`` only.
    public let delivery: AMQPDelivery

    /// The `message_id` property, else the body's `event_id` when the body is a JSON object; nil when neither.
    public let eventID: String?
    /// The event's routing key (`company.changed`, ...): the `x-hipcall-routing-key` header, else the delivery's
    /// (the worker and RabbitMQ both dead-letter with the original routing key).
    public let routingKey: String
    /// The body's `external_id` (string or integer) when the body is a JSON object that has one.
    public let externalID: String?
    /// The failure class: `x-hipcall-error-class`, or RabbitMQ's dead-letter reason (`delivery_limit`, `rejected`, ...).
    public let errorClass: String?
    /// The failure message: `x-hipcall-error`, or where RabbitMQ dead-lettered it from.
    public let errorMessage: String?
    /// The attempts the worker made (`x-hipcall-attempts`); nil when it never stamped them.
    public let attempts: Int?
    /// When it last failed: `x-hipcall-last-failed-at`, or the newest `x-death` time.
    public let failedAt: Date?
    /// How many times the dead-letter tools replayed it (`x-hipcall-replays`); 0 when never, or unreadable.
    public let replays: Int
    /// Why the loop guard parked it (`x-hipcall-parked-reason`); nil unless it was parked.
    public let parkedReason: String?

    /// Reads a fetched dead-letter message; `bodyLimit` is the worker's event size limit, over
    /// which a body is not parsed (no event in it can be valid) and a RabbitMQ rejection is named
    /// `body_too_large` (the worker refuses such a delivery unread, so it carries no `x-hipcall-*` header).
    init(_ delivery: AMQPDelivery, bodyLimit: Int = EventDecoder().maxBodyBytes) {
        self.delivery = delivery
        var headers = HeaderReader(delivery.headers)
        let deaths = headers.deaths()
        let oversize = delivery.body.count > bodyLimit
        let object = oversize ? nil : StrictJSON.parse(delivery.body)?.objectValue

        eventID = delivery.properties.messageID ?? object?["event_id"]?.stringValue
        routingKey = Self.eventRoutingKey(in: &headers, deliveredWith: delivery.routingKey)
        externalID = object?["external_id"].flatMap { value in
            value.stringValue ?? value.intValue.map { String($0) }
        }
        // The worker strips `x-death` before it dead-letters, so an `x-death` here means RabbitMQ
        // dead-lettered the message itself, after any failure the worker recorded.
        if let death = deaths.first, death.reason == "rejected", oversize {
            errorClass = "invalid_event"  // as the worker names its own rejections (SyncFailure.invalidEvent)
            errorMessage = EventRejection(
                .bodyTooLarge,
                message: "body has \(delivery.body.count) bytes, more than \(bodyLimit); refused unread by the worker "
                    + "and dead-lettered by RabbitMQ from queue \(death.queue)"
            ).description
            failedAt = death.time.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        } else if let death = deaths.first {
            errorClass = death.reason
            var message = "dead-lettered by RabbitMQ from queue \(death.queue) (\(death.count) time\(death.count == 1 ? "" : "s"))"
            if let workerClass = headers.text(SyncHeaders.errorClass, maxBytes: Self.maxTextBytes) {
                message += "; last worker failure: \(workerClass): \(headers.text(SyncHeaders.error, maxBytes: Self.maxTextBytes) ?? "-")"
            }
            errorMessage = message
            failedAt = death.time.map { Date(timeIntervalSince1970: TimeInterval($0)) }
        } else {
            errorClass = headers.text(SyncHeaders.errorClass, maxBytes: Self.maxTextBytes)
            errorMessage = headers.text(SyncHeaders.error, maxBytes: Self.maxTextBytes)
            failedAt = headers.instant(SyncHeaders.lastFailedAt)
        }
        attempts = headers.integer(SyncHeaders.attempts, in: 1...Int64(Int32.max)).map { Int($0) }
        replays = Self.replays(in: &headers)
        parkedReason = headers.text(SyncHeaders.parkedReason, maxBytes: Self.maxTextBytes)
    }

    /// The longest failure class or message read from a header (the worker writes at most 1 KiB).
    private static let maxTextBytes = 64 * 1024

    /// `class: message`, or whichever of the two exists; nil when the message carries neither.
    public var reason: String? {
        switch (errorClass, errorMessage) {
        case (let errorClass?, let message?): "\(errorClass): \(message)"
        case (let errorClass?, nil): errorClass
        case (nil, let message?): message
        case (nil, nil): nil
        }
    }

    /// The properties to replay with (``replayProperties(of:routingKey:body:replays:)``).
    var replayProperties: AMQPProperties {
        Self.replayProperties(of: delivery.properties, routingKey: routingKey, body: delivery.body, replays: replays)
    }

    /// The properties to replay a message with (``ReplayHeaders``), counting this replay after the `replays` before it.
    static func replayProperties(of original: AMQPProperties, routingKey: String, body: [UInt8], replays: Int) -> AMQPProperties {
        ReplayHeaders.properties(replaying: original, routingKey: routingKey, body: body, replays: replays)
    }

    /// The event's routing key: the `x-hipcall-routing-key` in `headers`, else the one it was delivered with.
    static func eventRoutingKey(in headers: inout HeaderReader, deliveredWith routingKey: String) -> String {
        headers.text(SyncHeaders.originalRoutingKey, maxBytes: DeliveryHeaders.maxRoutingKeyBytes) ?? routingKey
    }

    /// The replays recorded in `headers` (`x-hipcall-replays`); 0 when absent or unreadable.
    static func replays(in headers: inout HeaderReader) -> Int {
        headers.integer(SyncHeaders.replays, in: 0...Int64(Int32.max)).map { Int($0) } ?? 0
    }

    /// The properties to park with: everything kept (failure headers too, to see why it failed),
    /// plus why and when it was parked, and the routing key it is replayed with (the parked
    /// queue is reached through the default exchange, under the queue's name).
    func parkingProperties(reason: String, at instant: Date) -> AMQPProperties {
        var properties = delivery.properties
        properties.headers[SyncHeaders.originalRoutingKey] = .string(routingKey)
        properties.headers[SyncHeaders.parkedReason] = .string(reason)
        properties.headers[SyncHeaders.parkedAt] = .string(instant.formatted(.iso8601))
        if properties.deliveryMode == nil { properties.deliveryMode = 2 }
        return properties
    }
}
