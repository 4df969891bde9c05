import Foundation
import Hipcall

/// Keeps one process within Hipcall's per-token request budget, using the `x-ratelimit-*` headers.
///
/// Pacing: each permit reserves a time slot. While the budget is known, slots are spread evenly
/// over what is left of the window (`time to reset / remaining`), so a process does not burn the
/// fleet's shared budget in one burst and then hammer the API at the reset. When the known budget
/// is spent, the next slot is the reset time plus `margin`, after which `limit` permits are assumed
/// again until a response's headers correct the count. Before any header is seen, permits are free.
/// A 429 blocks every permit until the given reset time (its `Retry-After` when a proxy sends one,
/// else its `x-ratelimit-reset`, else a second from now). No reset, penalty or slot lies more than
/// `maxWait` ahead, so no header value can stall a worker longer than that.
actor RateLimiter {
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    /// Added after a reset time before sending again, to absorb clock skew with the server.
    let margin: Duration
    /// How long to wait when the budget is spent and no reset time is known.
    let fallbackWindow: Duration
    /// The longest any reset time, penalty or single wait may lie ahead.
    let maxWait: Duration

    private var limit: Int?
    private var remaining: Int?
    private var resetAt: Date?
    private var nextSlot: Date = .distantPast
    private var blockedUntil: Date = .distantPast

    /// - Parameters:
    ///   - now: the clock; inject a fake in tests.
    ///   - sleep: how to wait; inject a fake in tests.
    init(
        margin: Duration = .milliseconds(500),
        fallbackWindow: Duration = .seconds(60),
        maxWait: Duration = .seconds(HipcallRateLimit.maxWait),
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.margin = margin
        self.fallbackWindow = fallbackWindow
        self.maxWait = maxWait
        self.now = now
        self.sleep = sleep
    }

    /// Takes in a response's rate-limit headers. `reset` is in Unix seconds (at most `maxWait` ahead is believed).
    func record(limit: Int, remaining: Int, reset: Int64) {
        let reportedReset = bounded(reset)
        self.limit = max(limit, 1)
        if reportedReset == resetAt, let local = self.remaining {
            // Same window: responses arrive out of order, and permits taken since are not in the header yet.
            self.remaining = max(min(local, remaining), 0)
        } else {
            self.remaining = max(remaining, 0)
        }
        resetAt = reportedReset
    }

    /// After a 429: no permit before `until` (plus the margin), and the budget counts as spent.
    func penalize(until reset: Int64) {
        let until = bounded(reset)
        blockedUntil = max(blockedUntil, until + margin.timeInterval)
        remaining = 0
        resetAt = until
    }

    /// After an answer with a `Retry-After` (a 503 from a proxy): no permit before `until`.
    func hold(until second: Int64) {
        blockedUntil = max(blockedUntil, bounded(second))
    }

    /// Unix second `second` as a date, no later than `maxWait` from now.
    private func bounded(_ second: Int64) -> Date {
        min(Date(timeIntervalSince1970: TimeInterval(second)), now() + maxWait.timeInterval)
    }

    /// Waits until a request may be sent. Throws only if the injected sleep throws (e.g. on cancellation).
    func waitForPermit() async throws {
        try await sleep(until: reserveSlot())
    }

    /// Waits until a request could be sent, without reserving the slot: callers use it to postpone
    /// a decision (which of a record's pending events to apply) until the budget lets a call out.
    func waitUntilOpen() async throws {
        try await sleep(until: opening().slot)
    }

    /// The permits this process believes it may still use in the current window; nil when unknown.
    var knownRemaining: Int? { remaining }

    /// When the next request may go out, and the budget and window end known for that moment
    /// (the window may have rolled over by then, or be spent and wait for its reset). Changes nothing.
    private func opening() -> (slot: Date, left: Int?, resetAt: Date?) {
        var slot = max(now(), blockedUntil, nextSlot)
        guard var left = remaining else { return (slot, nil, resetAt) }
        var resetAt = self.resetAt
        if let reset = resetAt, slot >= reset {
            // The window has rolled over since the last header.
            left = limit ?? 1
            resetAt = nil
        }
        if left == 0 {
            slot = resetAt.map { $0 + margin.timeInterval } ?? slot + fallbackWindow.timeInterval
            left = limit ?? 1
            resetAt = nil
        }
        return (slot, left, resetAt)
    }

    /// Picks the time the next request may go out and updates the budget, without suspending.
    private func reserveSlot() -> Date {
        let (slot, known, resetAt) = opening()
        guard let left = known else { return slot }
        self.resetAt = resetAt
        if let resetAt, left > 0 {
            nextSlot = slot + max(resetAt.timeIntervalSince(slot), 0) / Double(left)
        } else {
            nextSlot = slot
        }
        remaining = left - 1
        return slot
    }

    /// Sleeps until `instant`, but never longer than `maxWait`.
    private func sleep(until instant: Date) async throws {
        let delay = min(instant.timeIntervalSince(now()), maxWait.timeInterval)
        if delay > 0 {
            try await sleep(.milliseconds(Int64((delay * 1000).rounded(.up))))
        }
    }
}
