import AMQPClient
import Foundation

/// Every AMQP header name the fleet reads or writes, in one place (RabbitMQ's own `x-death` too).
public enum SyncHeaders {
    /// What every header of ours starts with.
    public static let prefix = "x-hipcall-"

    // MARK: Set by publishers

    /// `<resource>:<external_id>` (for example `companies:ERP-1`): the partitioned mode's hash key.
    public static let key = "x-hipcall-key"
    /// When the publisher sent the event (Unix milliseconds), for the publish-to-ack latency.
    static let publishedAt = "x-hipcall-published-at"
    /// On a corrective event `reconcile --repair` published: the time of the scan that found the
    /// drift (RFC 3339, also its `occurred_at`). The worker trusts no fingerprint of such a record (the
    /// drift was made behind the fleet's back, where no fingerprint sees it) and writes it from a read.
    public static let repair = "x-hipcall-repair"

    // MARK: Set on retried and dead-lettered messages

    public static let errorClass = "x-hipcall-error-class"
    public static let error = "x-hipcall-error"
    public static let status = "x-hipcall-status"
    public static let attempts = "x-hipcall-attempts"
    static let firstFailedAt = "x-hipcall-first-failed-at"
    public static let lastFailedAt = "x-hipcall-last-failed-at"
    /// A retried or dead-lettered message's original routing key.
    public static let originalRoutingKey = "x-hipcall-routing-key"
    /// On a message in the waiting queue: the record it waits for, as an `x-hipcall-key` value
    /// (`companies:ERP-1`); the fleet replays it once that record is synced.
    public static let waitingFor = "x-hipcall-waiting-for"

    /// The headers that describe a failure rather than the event (what ``failureHeaders(for:attempts:firstFailedAt:lastFailedAt:)``
    /// and the dead-lettering write). A replay drops exactly these and RabbitMQ's dead-lettering headers.
    public static let failureNames: Set<String> = [
        errorClass, error, status, attempts, firstFailedAt, lastFailedAt, originalRoutingKey, waitingFor,
    ]

    // MARK: Set by the dead-letter tools

    /// How many times the dead-letter tools replayed the message (a decimal string); the loop guard parks it past a limit.
    public static let replays = "x-hipcall-replays"
    /// On a parked message: why it was parked (the replays it had and the failure it came back with).
    public static let parkedReason = "x-hipcall-parked-reason"
    /// On a parked message: when it was parked (RFC 3339, UTC).
    public static let parkedAt = "x-hipcall-parked-at"
    /// On an edited and replayed dead letter: the event id of the original it was edited from.
    public static let editedFrom = "x-hipcall-edited-from"

    // MARK: The workers' own traffic

    /// The sending worker's id on a balancing probe or a presence heartbeat.
    static let probe = "x-hipcall-probe"
    /// On a presence heartbeat: 1 while the sending worker spends API calls (it shares the token's
    /// budget), 0 while it is idle.
    static let apiActive = "x-hipcall-api-active"

    /// On a presence heartbeat: the API budget as the sending worker last learned it.
    enum Presence {
        static let limit = "x-hipcall-ratelimit-limit"
        static let remaining = "x-hipcall-ratelimit-remaining"
        /// Unix second the window resets.
        static let reset = "x-hipcall-ratelimit-reset"
        /// Unix second before which the sender sends nothing (it was answered 429).
        static let blockedUntil = "x-hipcall-blocked-until"
    }

    /// The journal entry's fields (see `JournalEntry`).
    enum Journal {
        static let resource = "x-hipcall-resource"
        static let externalID = "x-hipcall-external-id"
        static let hipcallID = "x-hipcall-id"
        static let occurredAt = "x-hipcall-occurred-at"
        static let eventID = "x-hipcall-event-id"
        static let previousExternalID = "x-hipcall-previous-external-id"
        static let marker = "x-hipcall-journal-marker"
        static let batch = "x-hipcall-journal-batch"
    }

    // MARK: RabbitMQ's

    /// The dead-lettering history RabbitMQ adds (an array of tables, newest first).
    public static let death = AMQPDeathRecord.header
    /// RabbitMQ's other dead-lettering and redelivery headers: the first and last `x-death` summaries.
    public static let firstDeathPrefix = "x-first-death-"
    public static let lastDeathPrefix = "x-last-death-"
    /// A quorum queue's redelivery count.
    public static let deliveryCount = "x-delivery-count"

    /// The longest `x-hipcall-error` value, in UTF-8 bytes.
    static let maxErrorBytes = 1024

    /// The headers describing a failure: class, message (≤ 1 KiB, cut on a character boundary),
    /// status if any, attempts so far, and the first and last failure times (RFC 3339, UTC).
    static func failureHeaders(
        for failure: SyncFailure, attempts: Int, firstFailedAt: Date, lastFailedAt: Date
    ) -> [String: String] {
        var headers = [
            errorClass: failure.errorClass,
            error: failure.message.truncatedToUTF8(maxBytes: maxErrorBytes),
            self.attempts: String(attempts),
            self.firstFailedAt: firstFailedAt.formatted(.iso8601),
            self.lastFailedAt: lastFailedAt.formatted(.iso8601),
        ]
        if let code = failure.status { headers[status] = String(code) }
        return headers
    }
}
