import Foundation
@testable import Hipcall
import Synchronization
import Testing
@testable import HipcallSync

/// A fake clock whose sleep advances time instantly and records how long was asked for.
final class FakeClock: Sendable {
    private let state = Mutex((now: Date(timeIntervalSince1970: 1_795_611_480), sleeps: [Double]()))
    var now: Date { state.withLock { $0.now } }
    var sleeps: [Double] { state.withLock { $0.sleeps } }
    func sleep(_ duration: Duration) {
        state.withLock {
            $0.sleeps.append(duration.timeInterval)
            $0.now += duration.timeInterval
        }
    }
    var unix: Int64 { Int64(now.timeIntervalSince1970) }
}

private func limiter(_ clock: FakeClock) -> RateLimiter {
    RateLimiter(margin: .milliseconds(500), fallbackWindow: .seconds(60), now: { clock.now }, sleep: { clock.sleep($0) })
}

@Suite struct RateLimiterTests {
    @Test func unknownBudgetDoesNotWait() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        limiter.noteAnswer()  // answers without rate-limit headers: the API is not limited
        for _ in 0..<5 { try await limiter.waitForPermit() }
        #expect(clock.sleeps.isEmpty)
    }

    @Test func beforeTheFirstAnswerOnlyOneCallGoesAndTheRestWaitForIt() async throws {
        let clock = FakeClock()
        let limiter = RateLimiter(firstAnswerWait: .seconds(3600), now: { clock.now }, sleep: { clock.sleep($0) })
        try await limiter.waitForPermit()  // the first call goes at once
        final class Released: Sendable {
            let count = Mutex(0)
        }
        let released = Released()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await limiter.waitForPermit()
                    released.count.withLock { $0 += 1 }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(released.count.withLock { $0 } == 0)
            await limiter.record(limit: 600, remaining: 599, reset: clock.unix + 59)
            try await group.waitForAll()
        }
        #expect(released.count.withLock { $0 } == 3)
    }

    @Test func theWaitForTheFirstAnswerIsBounded() async throws {
        let clock = FakeClock()
        let limiter = RateLimiter(firstAnswerWait: .milliseconds(50), now: { clock.now }, sleep: { clock.sleep($0) })
        try await limiter.waitForPermit()
        let started = ContinuousClock.now
        let waited = try await limiter.waitForPermit()  // no answer came: it goes after the limit
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(waited >= .milliseconds(50))
    }

    @Test func spentBudgetWaitsForTheResetPlusMargin() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 0, reset: clock.unix + 10)
        try await limiter.waitForPermit()
        #expect(clock.sleeps.count == 1)
        #expect(abs(clock.sleeps[0] - 10.5) < 0.01)
        // After the reset, `limit` permits are assumed again.
        #expect(await limiter.knownRemaining == 59)
    }

    @Test func permitsAreSpreadOverTheWindow() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 10, reset: clock.unix + 60)
        for _ in 0..<3 { try await limiter.waitForPermit() }
        #expect(clock.sleeps.count == 2)
        #expect(clock.sleeps.allSatisfy { abs($0 - 6) < 0.01 })
        #expect(await limiter.knownRemaining == 7)
    }

    @Test func concurrentCallersReserveDistinctSlots() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 4, reset: clock.unix + 40)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await limiter.waitForPermit() } }
            try await group.waitForAll()
        }
        #expect(await limiter.knownRemaining == 0)
    }

    @Test func aPenaltyBlocksUntilItsReset() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 30, reset: clock.unix + 30)
        await limiter.penalize(until: clock.unix + 20)
        try await limiter.waitForPermit()
        #expect(abs(clock.sleeps.first! - 20.5) < 0.01)
    }

    @Test func withoutAResetTimeASpentBudgetWaitsTheFallbackWindow() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 1, remaining: 0, reset: clock.unix + 1)
        try await limiter.waitForPermit()  // waits for the reset; the next window's reset is unknown
        try await limiter.waitForPermit()  // that window's single permit is spent
        #expect(clock.sleeps.count == 2)
        #expect(abs(clock.sleeps[1] - 60) < 0.01)
    }

    @Test func headersOfTheSameWindowNeverRaiseTheLocalCount() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        let reset = clock.unix + 60
        await limiter.record(limit: 60, remaining: 10, reset: reset)
        try await limiter.waitForPermit()
        await limiter.record(limit: 60, remaining: 10, reset: reset)  // a stale, reordered response
        #expect(await limiter.knownRemaining == 9)
        await limiter.record(limit: 60, remaining: 60, reset: reset + 60)  // a new window
        #expect(await limiter.knownRemaining == 60)
    }

    @Test func waitingUntilOpenReservesNothing() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: 60, remaining: 0, reset: clock.unix + 10)
        try await limiter.waitUntilOpen()
        #expect(clock.sleeps.count == 1)
        #expect(abs(clock.sleeps[0] - 10.5) < 0.01)
        #expect(await limiter.knownRemaining == 0, "waiting until open must not take a permit")
        try await limiter.waitUntilOpen()
        #expect(clock.sleeps.count == 1, "the budget is open now: no second wait")
    }
}

@Suite struct RateLimitBoundsTests {
    @Test func aResetFarAheadWaitsAtMostMaxWait() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        for reset in [Int64.max, 9_000_000_000_000_000_000, clock.unix + 86_400] {
            await limiter.record(limit: 60, remaining: 0, reset: reset)
            try await limiter.waitForPermit()
        }
        #expect(clock.sleeps.count == 3)
        #expect(clock.sleeps.allSatisfy { $0 <= 3600 }, "slept \(clock.sleeps)")
    }

    @Test func aPenaltyFarAheadOrInThePastNeverTrapsNorStallsPastMaxWait() async throws {
        for reset in [Int64.max, Int64.min, -1, 0] {
            let clock = FakeClock()
            let limiter = limiter(clock)
            await limiter.penalize(until: reset)
            await limiter.hold(until: reset)
            try await limiter.waitForPermit()
            #expect(clock.sleeps.allSatisfy { $0 <= 3600 }, "reset \(reset) slept \(clock.sleeps)")
        }
    }

    @Test func hugeCountsNeverTrap() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock)
        await limiter.record(limit: .max, remaining: .max, reset: clock.unix + 60)
        try await limiter.waitForPermit()
        await limiter.record(limit: .min, remaining: .min, reset: .min)
        try await limiter.waitForPermit()
        try await limiter.waitUntilOpen()
        #expect(clock.sleeps.allSatisfy { $0 <= 3600 })
    }
}

@Suite struct RateLimitHeaderTests {
    static let now = Date(timeIntervalSince1970: 1_795_611_480)
    static let unix: Int64 = 1_795_611_480

    private func parse(limit: String = "60", remaining: String = "10", reset: String) -> HipcallRateLimit? {
        let headers = ["x-ratelimit-limit": limit, "x-ratelimit-remaining": remaining, "x-ratelimit-reset": reset]
        return HipcallRateLimit(header: { headers[$0] }, now: Self.now)
    }

    @Test func readsTheThreeHeaders() {
        let headers = ["x-ratelimit-limit": "60", "x-ratelimit-remaining": " 0", "x-ratelimit-reset": "\(Self.unix + 5)"]
        #expect(HipcallRateLimit(header: { headers[$0] }, now: Self.now) == HipcallRateLimit(limit: 60, remaining: 0, reset: Self.unix + 5))
    }

    @Test func ignoresIncompleteOrGarbledHeaders() {
        #expect(HipcallRateLimit(header: { ["x-ratelimit-limit": "60", "x-ratelimit-remaining": "5"][$0] }) == nil)
        #expect(HipcallRateLimit(header: { _ in "soon" }) == nil)
        for garbage in ["nan", "inf", "-inf", "1e400", "0x10", "", " ", "12abc", String(repeating: "9", count: 400)] {
            #expect(parse(reset: garbage) == nil, "reset \(garbage.prefix(20))")
        }
    }

    @Test func aResetInMillisecondsIsDividedBy1000() {
        #expect(parse(reset: "\((Self.unix + 30) * 1000)")?.reset == Self.unix + 30)
    }

    @Test(arguments: ["9e18", "9223372036854775807", "99999999999999999999999", "\(1_795_611_480 + 86_400)"])
    func aResetMoreThanAnHourAheadIsClamped(_ reset: String) {
        #expect(parse(reset: reset)?.reset == Self.unix + HipcallRateLimit.maxWait)
    }

    @Test func aResetInThePastOrNegativeMeansNow() {
        #expect(parse(reset: "-5")?.reset == Self.unix)
        #expect(parse(reset: "\(Self.unix - 100_000)")?.reset == Self.unix)
        #expect(parse(reset: "-9223372036854775808")?.reset == Self.unix)
        // A small number is a delay in seconds, not a date in 1970.
        #expect(parse(reset: "42")?.reset == Self.unix + 42)
    }

    @Test func hugeOrNegativeCountsAreClamped() {
        let huge = parse(limit: "9223372036854775807", remaining: "99999999999999999999999", reset: "\(Self.unix + 5)")
        #expect(huge?.limit == HipcallRateLimit.maxLimit)
        #expect(huge?.remaining == HipcallRateLimit.maxLimit)
        let negative = parse(limit: "-3", remaining: "-7", reset: "\(Self.unix + 5)")
        #expect(negative?.limit == 1)
        #expect(negative?.remaining == 0)
        #expect(parse(limit: "60", remaining: "1e9", reset: "\(Self.unix + 5)")?.remaining == 60)
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDateIsBounded() {
        #expect(HipcallRateLimit.retryAfter("120", now: Self.now) == Self.unix + 120)
        #expect(HipcallRateLimit.retryAfter(" 0 ", now: Self.now) == Self.unix)
        #expect(HipcallRateLimit.retryAfter("9e18", now: Self.now) == Self.unix + HipcallRateLimit.maxWait)
        #expect(HipcallRateLimit.retryAfter("-30", now: Self.now) == Self.unix)
        // 1_795_611_480 is Wed, 25 Nov 2026 12:58:00 GMT.
        #expect(HipcallRateLimit.retryAfter("Wed, 25 Nov 2026 12:59:00 GMT", now: Self.now) == Self.unix + 60)
        #expect(HipcallRateLimit.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now: Self.now) == Self.unix + HipcallRateLimit.maxWait)
        #expect(HipcallRateLimit.retryAfter("soon", now: Self.now) == nil)
        #expect(HipcallRateLimit.retryAfter(String(repeating: "x", count: 5000), now: Self.now) == nil)
    }
}

/// The fleet-wide budget: each worker paces itself to its share of what Hipcall reports as left.
@Suite struct RateLimiterFleetShareTests {
    /// A fleet size that a test changes while the limiter runs.
    final class Fleet: Sendable {
        private let size: Mutex<Int>
        init(_ size: Int) { self.size = Mutex(size) }
        var workers: Int {
            get { size.withLock { $0 } }
            set { size.withLock { $0 = newValue } }
        }
    }

    private func limiter(_ clock: FakeClock, fleet: Fleet) -> RateLimiter {
        RateLimiter(
            margin: .milliseconds(500), fallbackWindow: .seconds(60), fleetShare: { fleet.workers }, now: { clock.now },
            sleep: { clock.sleep($0) })
    }

    @Test func threeWorkersEachTakeEveryThirdSlot() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock, fleet: Fleet(3))
        await limiter.record(limit: 60, remaining: 10, reset: clock.unix + 60)
        for _ in 0..<3 { try await limiter.waitForPermit() }
        // Alone it would wait 6 s (60 s / 10 left); one of three waits 18 s, then 3 × 42 s / 9 left.
        #expect(clock.sleeps.count == 2)
        #expect(abs(clock.sleeps[0] - 18) < 0.01)
        #expect(abs(clock.sleeps[1] - 14) < 0.01)
    }

    @Test func theShareFollowsWorkersLeavingAndJoining() async throws {
        let clock = FakeClock()
        let fleet = Fleet(2)
        let limiter = limiter(clock, fleet: fleet)
        await limiter.record(limit: 600, remaining: 600, reset: clock.unix + 60)
        try await limiter.waitForPermit()  // at once; the next slot is 2 × 60 / 600 = 0.2 s on
        fleet.workers = 1  // the other worker died
        try await limiter.waitForPermit()  // 0.2 s; alone, the next is 59.8 s / 599 left ≈ 0.1 s on
        try await limiter.waitForPermit()
        fleet.workers = 4  // three joined: the slot after the next one is 4 × 59.7 s / 597 = 0.4 s on
        try await limiter.waitForPermit()
        try await limiter.waitForPermit()
        #expect(clock.sleeps.count == 4)
        #expect(abs(clock.sleeps[0] - 0.2) < 0.002)
        #expect(abs(clock.sleeps[1] - 0.1) < 0.002)
        #expect(abs(clock.sleeps[2] - 0.1) < 0.002)
        #expect(abs(clock.sleeps[3] - 0.4) < 0.004)
    }

    @Test func aShareBelowOneCountsAsOne() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock, fleet: Fleet(0))
        await limiter.record(limit: 60, remaining: 10, reset: clock.unix + 60)
        for _ in 0..<2 { try await limiter.waitForPermit() }
        #expect(clock.sleeps.count == 1)
        #expect(abs(clock.sleeps[0] - 6) < 0.01)
    }

    @Test func afterAResetPermitsArePacedOverAnAssumedFullWindow() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock, fleet: Fleet(3))
        await limiter.record(limit: 60, remaining: 0, reset: clock.unix + 10)
        try await limiter.waitForPermit()  // the reset plus the margin
        try await limiter.waitForPermit()  // no header yet: 60 s / 60 permits, a third of them ours
        #expect(clock.sleeps.count == 2)
        #expect(abs(clock.sleeps[0] - 10.5) < 0.01)
        #expect(abs(clock.sleeps[1] - 3) < 0.01)
    }

    @Test func aWorkerIsActiveOnlyWithinSecondsOfItsLastPermit() async throws {
        let clock = FakeClock()
        let limiter = limiter(clock, fleet: Fleet(1))
        #expect(await limiter.isActive == false)
        try await limiter.waitForPermit()
        #expect(await limiter.isActive)
        clock.sleep(.seconds(RateLimiter.activeWindow + 1))
        #expect(await limiter.isActive == false)
    }

    @Test func aWorkerIsActiveWhileACallerWaitsForTheBudget() async throws {
        let clock = FakeClock()
        let asleep = OneTimeGate()
        let wake = OneTimeGate()
        let limiter = RateLimiter(now: { clock.now }, sleep: { duration in
            clock.sleep(duration)
            asleep.open()
            await wake.wait()
        })
        await limiter.record(limit: 60, remaining: 0, reset: clock.unix + 30)
        async let permit = limiter.waitForPermit()
        await asleep.wait()  // the clock is past the reset: its last request lies 30 s back
        #expect(await limiter.isActive)
        wake.open()
        try await permit
        #expect(await limiter.isActive == false)
    }

    @Test func aBudgetShareSpacesSlotsByItsInverse() async throws {
        let clock = FakeClock()
        let limiter = RateLimiter(
            margin: .milliseconds(500), fallbackWindow: .seconds(60), fleetShare: { 2 }, budgetShare: 0.25, now: { clock.now },
            sleep: { clock.sleep($0) })
        await limiter.record(limit: 60, remaining: 60, reset: clock.unix + 60)
        try await limiter.waitForPermit()  // at once; then a quarter of a half: 2 / 0.25 × 60 s / 60 left = 8 s on
        try await limiter.waitForPermit()
        #expect(clock.sleeps.count == 1)
        #expect(abs(clock.sleeps[0] - 8) < 0.01)
    }
}
