import Foundation

/// The rate-limit state Hipcall reported with an answer (`x-ratelimit-*` headers), bounded so
/// that no header value can make a worker wait longer than ``maxWait`` or trap in arithmetic.
public struct HipcallRateLimit: Sendable, Hashable {
    /// Requests allowed per window (`x-ratelimit-limit`), 1 ... ``maxLimit``.
    public var limit: Int
    /// Requests left in the current window (`x-ratelimit-remaining`), 0 ... `limit`.
    public var remaining: Int
    /// Unix second at which the window resets (`x-ratelimit-reset`), at most ``maxWait`` ahead.
    public var reset: Int64

    /// The furthest ahead a reset or a `Retry-After` is believed: a later one is clamped to this.
    public static let maxWait: Int64 = 3600
    /// The largest limit believed; a larger `x-ratelimit-limit` or `remaining` is clamped to it.
    public static let maxLimit = 1_000_000

    init(limit: Int, remaining: Int, reset: Int64) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }

    /// Parses the three headers; `nil` unless all three are present and numbers. `reset` is read
    /// as Unix seconds; one that is clearly in milliseconds (above 10^11) is divided by 1000, one
    /// that is clearly a delay (below 10^9, i.e. before 2001) counts from `now`, and the result is
    /// clamped to `now ... now + maxWait`. Huge or negative counts are clamped into range.
    init?(header: (String) -> String?, now: Date = Date()) {
        guard let limit = header("x-ratelimit-limit").flatMap(Self.number),
              let remaining = header("x-ratelimit-remaining").flatMap(Self.number),
              let reset = header("x-ratelimit-reset").flatMap(Self.number)
        else { return nil }
        let boundedLimit = Self.clamp(limit, 1, Double(Self.maxLimit))
        self.init(
            limit: Int(boundedLimit), remaining: Int(Self.clamp(remaining, 0, boundedLimit)),
            reset: Self.resetSecond(reset, now: now))
    }

    /// The Unix second a `Retry-After` value (delay seconds, or an HTTP date) allows a retry at,
    /// clamped to `now ... now + maxWait`; `nil` when it is neither.
    public static func retryAfter(_ value: String, now: Date = Date()) -> Int64? {
        let text = String(value.trimmingSpaces)
        let nowSecond = now.timeIntervalSince1970
        if let seconds = number(text) {
            return bounded(nowSecond + clamp(seconds, 0, Double(maxWait)), now: nowSecond)
        }
        guard let date = httpDate(text) else { return nil }
        return bounded(date.timeIntervalSince1970, now: nowSecond)
    }

    /// A finite number in `text` (integer, decimal or exponent notation), or `nil`.
    static func number(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty, trimmed.utf8.count <= 64,
              trimmed.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x2B || $0 == 0x65 || $0 == 0x45 }),
              let value = Double(trimmed), value.isFinite
        else { return nil }
        return value
    }

    /// The reset header's value as a bounded Unix second.
    static func resetSecond(_ value: Double, now: Date) -> Int64 {
        let nowSecond = now.timeIntervalSince1970
        var seconds = value
        if seconds > 1e11 { seconds /= 1000 }
        if seconds < 1e9 { seconds = nowSecond + max(seconds, 0) }
        return bounded(seconds, now: nowSecond)
    }

    /// `seconds` clamped to `now ... now + maxWait`, rounded up to a whole second.
    private static func bounded(_ seconds: Double, now: Double) -> Int64 {
        Int64(clamp(seconds, now, now + Double(maxWait)).rounded(.up))
    }

    private static func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double {
        min(max(value, low), high)
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` dates take.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return text.utf8.count <= 64 ? formatter.date(from: text) : nil
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
