import AMQPClient
import Testing
@testable import HipcallSync

/// Presence heartbeats: what a worker says of itself and of the budget, read back bounded.
@Suite struct HeartbeatTests {
    @Test func aHeartbeatRoundTrips() {
        let budget = RateLimiter.BudgetView(limit: 600, remaining: 412, reset: 1_795_611_540, blockedUntil: 1_795_611_541)
        let heartbeat = Heartbeat(sender: "worker-1", active: true, budget: budget)
        #expect(Heartbeat(headers: heartbeat.properties.headers) == heartbeat)
        let idle = Heartbeat(sender: "worker-2", active: false, budget: nil)
        #expect(Heartbeat(headers: idle.properties.headers) == idle)
    }

    @Test func aProbeNamesOnlyItsSender() {
        let probe = Heartbeat(headers: [SyncHeaders.probe: .string("worker-3")])
        #expect(probe == Heartbeat(sender: "worker-3", active: nil, budget: nil))
        #expect(Heartbeat(headers: [:]) == nil)
        #expect(Heartbeat(headers: [SyncHeaders.probe: .string("")]) == nil)
        #expect(Heartbeat(headers: [SyncHeaders.probe: .int(7)]) == nil)
    }

    @Test func unusableBudgetHeadersAreLeftOut() {
        typealias Header = SyncHeaders.Presence
        let base: AMQPTable = [SyncHeaders.probe: .string("w"), SyncHeaders.apiActive: .int(1)]
        var negative = base
        negative[Header.limit] = .int(-5)
        negative[Header.remaining] = .int(1)
        negative[Header.reset] = .int(1_795_611_540)
        #expect(Heartbeat(headers: negative)?.budget == nil)
        var partial = base
        partial[Header.limit] = .int(60)
        #expect(Heartbeat(headers: partial)?.budget == nil)
        var text = base
        text[Header.limit] = .string("60")
        text[Header.remaining] = .string("lots")
        text[Header.reset] = .string("soon")
        #expect(Heartbeat(headers: text)?.budget == nil)
        // More left than the limit is read as the limit.
        var over = base
        over[Header.limit] = .int(60)
        over[Header.remaining] = .int(1_000)
        over[Header.reset] = .int(1_795_611_540)
        #expect(Heartbeat(headers: over)?.budget?.remaining == 60)
        var flag = base
        flag[SyncHeaders.apiActive] = .int(7)
        #expect(Heartbeat(headers: flag)?.active == nil)
    }
}

/// What a peer's heartbeat teaches a worker's limiter.
@Suite struct RateLimiterLearningTests {
    private func limiter(_ clock: FakeClock) -> RateLimiter {
        RateLimiter(margin: .milliseconds(500), fallbackWindow: .seconds(60), now: { clock.now }, sleep: { clock.sleep($0) })
    }

    @Test func aPeerOfTheSameWindowOnlyLowersWhatIsLeft() async {
        let clock = FakeClock()
        let limiter = limiter(clock)
        let reset = clock.unix + 30
        await limiter.record(limit: 60, remaining: 20, reset: reset)
        await limiter.learn(.init(limit: 60, remaining: 12, reset: reset))
        #expect(await limiter.knownRemaining == 12)
        await limiter.learn(.init(limit: 60, remaining: 40, reset: reset))
        #expect(await limiter.knownRemaining == 12)
    }

    @Test func aPeerOfALaterWindowReplacesAnOlderOneIsIgnored() async {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 20, reset: clock.unix + 30)
        await limiter.learn(.init(limit: 60, remaining: 3, reset: clock.unix + 10))
        #expect(await limiter.knownRemaining == 20)
        await limiter.learn(.init(limit: 60, remaining: 55, reset: clock.unix + 90))
        #expect(await limiter.knownRemaining == 55)
        #expect(await limiter.budgetView?.reset == clock.unix + 90)
    }

    @Test func aPeersBlockHoldsPermitsHereForAtMostAMinute() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.learn(.init(limit: 60, remaining: 0, reset: clock.unix + 20, blockedUntil: clock.unix + 20))
        try await limiter.waitForPermit()
        #expect(abs(clock.sleeps[0] - 20.5) < 0.6)
        let later = FakeClock()
        let other = self.limiter(later)
        await other.learn(.init(limit: 60, remaining: 30, reset: later.unix + 3000, blockedUntil: later.unix + 3000))
        try await other.waitForPermit()
        #expect(later.sleeps.count == 1)
        #expect(later.sleeps[0] <= RateLimiter.peerHoldLimit + 0.01)
    }
}
