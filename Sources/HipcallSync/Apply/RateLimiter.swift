import Foundation
import Hipcall

/// Keeps one process within its share of Hipcall's per-token request budget, using the
/// `x-ratelimit-*` headers, which report what the whole fleet has left (every worker shares the token).
///
/// Pacing: each permit takes a time slot, once it is due. While the budget is known, slots are spread evenly
/// over what is left of the window, divided among the workers spending calls (`fleetShare`, counted
/// from the fleet's presence heartbeats): one slot every `share × time to reset / remaining`, so the
/// fleet together follows the window instead of each worker spending it as if it were alone. A worker
/// that joins, leaves or dies changes the share within a heartbeat or two, and every answer's
/// `remaining` corrects what the others spent meanwhile. When the known budget is spent, the next slot
/// is the reset time plus `margin`; after a reset, `limit` permits over one more `fallbackWindow` are
/// assumed until a response's headers correct them. Until Hipcall's first answer, one call goes out
/// and the others wait for it (at most `firstAnswerWait`), so that a fleet starting with a backlog does
/// not send `concurrency` calls per worker into a budget it has not seen yet; when answers carry no
/// rate-limit headers (an unlimited API), permits are free.
/// A 429 blocks every permit until the given reset time (its `Retry-After` when a proxy sends one,
/// else its `x-ratelimit-reset`, else a second from now). No reset, penalty or slot lies more than
/// `maxWait` ahead, so no header value can stall a worker longer than that.
actor RateLimiter {
    private let now: @Sendable () -> Date
    private let sleep: @Sendable (Duration) async throws -> Void
    /// How many workers share the budget now, this one included.
    private let fleetShare: @Sendable () -> Int
    /// The part of this process's share it spends (an operator tool beside a running fleet: a
    /// quarter leaves it most of the budget); 1 for a worker.
    let budgetShare: Double
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
    private var lastRequest: Date = .distantPast
    /// Open once Hipcall answered anything (``noteAnswer()``); the first permit does not wait for it.
    private let firstAnswer = OneTimeGate()
    private var firstPermitTaken = false
    /// How long a permit waits for the first answer before it goes anyway.
    let firstAnswerWait: Duration

    /// How long after its last permit a worker with no caller waiting still counts as spending API
    /// calls: a heartbeat or two, so that a worker whose queue ran dry gives its share of the budget
    /// back to the others within about two seconds.
    static let activeWindow: TimeInterval = 2
    /// Callers waiting for a permit or for the budget to open: a worker with any spends its share.
    private var waiting = 0

    /// - Parameters:
    ///   - fleetShare: how many workers spend the budget now, this one included (values below 1 count as 1).
    ///   - budgetShare: the part of its share this process spends, in (0, 1]: slots lie `1 / budgetShare` times further apart.
    ///   - now: the clock; inject a fake in tests.
    ///   - sleep: how to wait; inject a fake in tests.
    init(
        margin: Duration = .milliseconds(500),
        fallbackWindow: Duration = .seconds(60),
        maxWait: Duration = .seconds(HipcallRateLimit.maxWait),
        firstAnswerWait: Duration = .seconds(5),
        fleetShare: @escaping @Sendable () -> Int = { 1 },
        budgetShare: Double = 1,
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.fleetShare = fleetShare
        self.budgetShare = budgetShare.isFinite && budgetShare > 0 ? min(budgetShare, 1) : 1
        self.firstAnswerWait = firstAnswerWait
        self.margin = margin
        self.fallbackWindow = fallbackWindow
        self.maxWait = maxWait
        self.now = now
        self.sleep = sleep
    }

    /// Takes in a response's rate-limit headers. `reset` is in Unix seconds (at most `maxWait` ahead is believed).
    func record(limit: Int, remaining: Int, reset: Int64) {
        firstAnswer.open()
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
        firstAnswer.open()
        let until = bounded(reset)
        blockedUntil = max(blockedUntil, until + margin.timeInterval)
        remaining = 0
        resetAt = until
    }

    /// After an answer with a `Retry-After` (a 503 from a proxy): no permit before `until`.
    func hold(until second: Int64) {
        blockedUntil = max(blockedUntil, bounded(second))
    }

    /// The budget as one worker last learned it, which its presence heartbeats carry to the others.
    struct BudgetView: Sendable, Equatable {
        var limit: Int
        var remaining: Int
        /// Unix second the window resets.
        var reset: Int64
        /// Unix second before which this worker sends nothing (after a 429 or a `Retry-After`).
        var blockedUntil: Int64?
    }

    /// The longest a peer's heartbeat can hold this worker's permits (its `blockedUntil`).
    static let peerHoldLimit: TimeInterval = 60

    /// The budget as this worker knows it now, for its heartbeats; nil before any header.
    var budgetView: BudgetView? {
        guard let limit, let remaining, let resetAt else { return nil }
        let blocked = blockedUntil > now() ? Int64(blockedUntil.timeIntervalSince1970.rounded(.up)) : nil
        return BudgetView(limit: limit, remaining: remaining, reset: Int64(resetAt.timeIntervalSince1970.rounded(.up)), blockedUntil: blocked)
    }

    /// Takes in what a peer's heartbeat says of the budget, so that what one worker learns (a header,
    /// a 429) reaches the others within a heartbeat: a view of the same window only lowers what is left,
    /// one of a later window replaces it, an older one is ignored; a peer's block holds permits here too,
    /// for at most ``peerHoldLimit``.
    func learn(_ view: BudgetView) {
        firstAnswer.open()
        let reset = bounded(view.reset)
        if let known = resetAt, reset <= known {
            if reset == known, let local = remaining { remaining = max(min(local, view.remaining), 0) }
        } else {
            limit = max(view.limit, 1)
            remaining = max(view.remaining, 0)
            resetAt = reset
        }
        if let until = view.blockedUntil {
            blockedUntil = max(blockedUntil, min(bounded(until), now() + Self.peerHoldLimit))
        }
    }

    /// Unix second `second` as a date, no later than `maxWait` from now.
    private func bounded(_ second: Int64) -> Date {
        min(Date(timeIntervalSince1970: TimeInterval(second)), now() + maxWait.timeInterval)
    }

    /// Waits until a request may be sent, and returns how long it waited. Throws only if the injected
    /// sleep throws (e.g. on cancellation).
    @discardableResult
    func waitForPermit() async throws -> Duration {
        lastRequest = now()
        waiting += 1
        defer { waiting -= 1 }
        var waited = Duration.zero
        if firstPermitTaken, !firstAnswer.isOpen {
            let started = ContinuousClock.now
            await firstAnswer.wait(atMost: firstAnswerWait)
            try Task.checkCancellation()
            waited = ContinuousClock.now - started
        }
        firstPermitTaken = true
        // Only a slot that is due is taken: a caller whose turn lies ahead sleeps until then without
        // holding it, and looks again, so that what was learned meanwhile (a header, a 429, a peer's
        // view) counts, and no worker books permits ahead that the others cannot see (with
        // `concurrency` callers each, booked-ahead slots overdrew every window's end).
        while true {
            let open = opening().slot
            if open <= now() {
                reserveSlot()
                return waited
            }
            waited += try await sleep(until: open)
        }
    }

    /// Notes that Hipcall answered a call (with or without rate-limit headers, or failed): the calls
    /// held until the first answer may go. Recording a budget (``record(limit:remaining:reset:)``, a
    /// penalty, a peer's view) does it too.
    nonisolated func noteAnswer() {
        firstAnswer.open()
    }

    /// Whether this worker has callers waiting for the budget or asked for a permit within
    /// ``activeWindow``: its heartbeats then count it among the workers that share the budget.
    var isActive: Bool {
        waiting > 0 || now().timeIntervalSince(lastRequest) < Self.activeWindow
    }

    /// Waits until a request could be sent, without reserving the slot: callers use it to postpone
    /// a decision (which of a record's pending events to apply) until the budget lets a call out.
    func waitUntilOpen() async throws {
        waiting += 1
        defer { waiting -= 1 }
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
            // The window has rolled over since the last header: assume a full one from now.
            left = limit ?? 1
            resetAt = slot + fallbackWindow.timeInterval
        }
        if left == 0 {
            slot = resetAt.map { $0 + margin.timeInterval } ?? slot + fallbackWindow.timeInterval
            left = limit ?? 1
            resetAt = slot + fallbackWindow.timeInterval
        }
        return (slot, left, resetAt)
    }

    /// Picks the time the next request may go out and updates the budget, without suspending.
    @discardableResult
    private func reserveSlot() -> Date {
        let (slot, known, resetAt) = opening()
        guard let left = known else { return slot }
        self.resetAt = resetAt
        if let resetAt, left > 0 {
            let share = Double(max(fleetShare(), 1)) / budgetShare
            nextSlot = slot + max(resetAt.timeIntervalSince(slot), 0) / Double(left) * share
        } else {
            nextSlot = slot
        }
        remaining = left - 1
        return slot
    }

    /// Sleeps until `instant`, but never longer than `maxWait`; returns the time slept.
    @discardableResult
    private func sleep(until instant: Date) async throws -> Duration {
        let delay = min(instant.timeIntervalSince(now()), maxWait.timeInterval)
        guard delay > 0 else { return .zero }
        let wait = Duration.milliseconds(Int64((delay * 1000).rounded(.up)))
        try await sleep(wait)
        return wait
    }
}
