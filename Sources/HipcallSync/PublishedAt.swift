import AMQPClient
import Foundation

/// When a message was published, as `hipcall-sync publish` stamps it: the `x-hipcall-published-at`
/// header (Unix milliseconds) and, for other AMQP tools, the standard `timestamp` property (Unix seconds).
public enum PublishedAt {
    /// The header carrying the publish time: Unix time in milliseconds, as a decimal string.
    public static let header = "x-hipcall-published-at"

    /// Stamps `properties` as published at `date`: the header in milliseconds and `timestamp` in seconds.
    public static func stamp(_ properties: inout AMQPProperties, at date: Date = Date()) {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        properties.headers[header] = .string(String(milliseconds))
        properties.timestamp = UInt64(clamping: milliseconds / 1000)
    }

    /// The publish time in Unix milliseconds: the header when it holds a positive whole number (a
    /// decimal string or an integer), else the `timestamp` property in milliseconds; nil when neither does.
    public static func milliseconds(headers: AMQPTable, timestamp: UInt64?) -> Int64? {
        let stamped: Int64? =
            switch headers[header] {
            case .int(let value)?: value
            case let value?: value.stringValue.flatMap { Int64($0) }
            case nil: nil
            }
        if let stamped, stamped > 0 { return stamped }
        guard let timestamp, timestamp > 0, timestamp <= UInt64(Int64.max / 1000) else { return nil }
        return Int64(timestamp) * 1000
    }

    /// The time from publication to `now`, nil when the message carries no publish time. Never
    /// negative: a publisher clock slightly ahead of the worker's counts as no delay.
    public static func latency(headers: AMQPTable, timestamp: UInt64?, now: Date = Date()) -> Duration? {
        guard let published = milliseconds(headers: headers, timestamp: timestamp) else { return nil }
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        return .milliseconds(max(0, nowMilliseconds - published))
    }
}
