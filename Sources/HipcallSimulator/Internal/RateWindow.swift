/// The rate-limit state reported in the `x-ratelimit-*` headers.
struct RateLimitState: Sendable, Hashable {
    var limit: Int
    var remaining: Int
    /// Unix second the window ends.
    var reset: Int64
}

/// A fixed one-minute window of one token: it starts at the token's first request.
struct RateWindow: Sendable {
    static let length = 60.0
    var start: Double
    var used = 0

    /// Spends one request if the budget allows, opening a new window when this one has ended.
    mutating func spend(limit: Int, now: Double) -> (allowed: Bool, state: RateLimitState) {
        if now >= start + Self.length {
            start = now
            used = 0
        }
        let allowed = used < limit
        if allowed { used += 1 }
        let reset = Int64((start + Self.length).rounded(.up))
        return (allowed, RateLimitState(limit: limit, remaining: max(0, limit - used), reset: reset))
    }
}
