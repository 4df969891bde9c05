/// The rate-limit state Hipcall reported with an answer (`x-ratelimit-*` headers).
public struct HipcallRateLimit: Sendable, Hashable {
    /// Requests allowed per window (`x-ratelimit-limit`).
    public var limit: Int
    /// Requests left in the current window (`x-ratelimit-remaining`).
    public var remaining: Int
    /// Unix second at which the window resets (`x-ratelimit-reset`).
    public var reset: Int64

    public init(limit: Int, remaining: Int, reset: Int64) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }

    /// Parses the three headers; `nil` unless all three are present and numeric.
    public init?(header: (String) -> String?) {
        guard let limit = header("x-ratelimit-limit").flatMap({ Int($0.trimmingSpaces) }),
              let remaining = header("x-ratelimit-remaining").flatMap({ Int($0.trimmingSpaces) }),
              let reset = header("x-ratelimit-reset").flatMap({ Int64($0.trimmingSpaces) })
        else { return nil }
        self.init(limit: limit, remaining: remaining, reset: reset)
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
