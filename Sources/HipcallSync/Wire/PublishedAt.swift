import AMQPClient
import Foundation

/// When a message was published, as `hipcall-sync publish` stamps it: the `x-hipcall-published-at`
/// header (Unix milliseconds) and, for other AMQP tools, the standard `timestamp` property (Unix seconds).
public enum PublishedAt {
    /// The header carrying the publish time: Unix time in milliseconds, as a decimal string.
    static let header = SyncHeaders.publishedAt
    /// The name the `timestamp` property is counted under when its value is unusable.
    static let timestampProperty = "timestamp"

    /// Stamps `properties` as published at `date`: the header in milliseconds and `timestamp` in seconds.
    public static func stamp(_ properties: inout AMQPProperties, at date: Date = Date()) {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        properties.headers[header] = .string(String(milliseconds))
        properties.timestamp = UInt64(clamping: milliseconds / 1000)
    }

    /// The publish time in Unix milliseconds: the header when it holds a positive whole number (a
    /// decimal string or an integer), else the `timestamp` property in milliseconds; nil when neither does.
    static func milliseconds(headers: AMQPTable, timestamp: UInt64?) -> Int64? {
        var reader = HeaderReader(headers)
        return milliseconds(&reader, timestamp: timestamp)
    }

    /// ``milliseconds(headers:timestamp:)`` through `reader`, which notes an unusable header or property.
    static func milliseconds(_ reader: inout HeaderReader, timestamp: UInt64?) -> Int64? {
        if let stamped = reader.integer(header, in: 1...Int64.max) { return stamped }
        guard let timestamp else { return nil }
        guard timestamp > 0, timestamp <= UInt64(Int64.max / 1000) else {
            reader.ignore(timestampProperty, .outOfRange)
            return nil
        }
        return Int64(timestamp) * 1000
    }

    /// The time from publication to `now`, nil when the message carries no publish time. Never
    /// negative: a publisher clock slightly ahead of the worker's counts as no delay.
    public static func latency(headers: AMQPTable, timestamp: UInt64?, now: Date = Date()) -> Duration? {
        latency(publishedAt: milliseconds(headers: headers, timestamp: timestamp), now: now)
    }

    /// The time from `publishedAt` (Unix milliseconds, positive) to `now`; nil when `publishedAt` is.
    static func latency(publishedAt: Int64?, now: Date = Date()) -> Duration? {
        guard let publishedAt else { return nil }
        let nowMilliseconds = max(0, Int64(exactly: (now.timeIntervalSince1970 * 1000).rounded(.down)) ?? 0)
        // Both are non-negative, so the difference cannot overflow.
        return .milliseconds(max(0, nowMilliseconds - max(0, publishedAt)))
    }
}
