import Foundation
import Hipcall
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
        for _ in 0..<5 { try await limiter.waitForPermit() }
        #expect(clock.sleeps.isEmpty)
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

@Suite struct RateLimitHeaderTests {
    @Test func readsTheThreeHeaders() {
        let clock = FakeClock()
        let headers = ["x-ratelimit-limit": "60", "x-ratelimit-remaining": " 0", "x-ratelimit-reset": "\(clock.unix + 5)"]
        #expect(HipcallRateLimit(header: { headers[$0] }) == HipcallRateLimit(limit: 60, remaining: 0, reset: clock.unix + 5))
    }

    @Test func ignoresIncompleteOrGarbledHeaders() {
        #expect(HipcallRateLimit(header: { ["x-ratelimit-limit": "60", "x-ratelimit-remaining": "5"][$0] }) == nil)
        #expect(HipcallRateLimit(header: { _ in "soon" }) == nil)
    }
}
