import Foundation
@testable import Hipcall
import Testing

/// `x-ratelimit-*` on every answer, and the 429 once the budget is spent.
@Suite struct RateLimitTests {
    @Test func everyAnswerCarriesTheRateLimit() async throws {
        try await Harness.with { h in
            let before = Int64(Date.now.timeIntervalSince1970)
            let created = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(h.unique("rl"))])
            let state = try #require(created.rateLimit)
            #expect(state.limit > 0)
            #expect(state.remaining >= 0 && state.remaining < state.limit)
            #expect(state.reset >= before && state.reset <= before + 3600)
            let missing = try await h.client.record(.companies, externalID: h.unique("absent"))
            #expect(missing.rateLimit != nil)
            let error = try await expectHipcallError { try await h.client.create(.contacts, fields: [:]) }
            #expect(error.rateLimit != nil)
        }
    }

    @Test(.enabled(if: Target.isSimulator, "spending a real account's budget would starve the other tests"))
    func theBudgetRunsOutWithA429() async throws {
        try await Harness.with(rateLimit: 3) { h in
            var remaining: [Int] = []
            for _ in 1...3 {
                remaining.append(try #require(try await h.client.record(.companies, externalID: "x").rateLimit).remaining)
            }
            #expect(remaining == [2, 1, 0])
            let error = try await expectHipcallError { try await h.client.record(.companies, externalID: "x") }
            #expect(error.status == 429)
            #expect(error.isRateLimited)
            #expect(error.isRetryable)
            #expect(error.detail == "Too many requests. Please try again later.")
            let state = try #require(error.rateLimit)
            #expect(state.limit == 3 && state.remaining == 0)
            #expect(state.reset > Int64(Date.now.timeIntervalSince1970) - 1)
            // The budget belongs to the token: another account still has its own.
            try await h.withOtherClient { other in
                let answer = try await other.record(.companies, externalID: "x")
                #expect(answer.rateLimit?.remaining == 2)
            }
        }
    }

    @Test(.enabled(if: Target.isSimulator, "changes the simulator's limit"))
    func theLimitCanChangeAtRunTime() async throws {
        try await Harness.with(rateLimit: 1) { h in
            _ = try await h.client.record(.companies, externalID: "x")
            #expect(try await expectHipcallError { try await h.client.record(.companies, externalID: "x") }.isRateLimited)
            let answer = try await rawRequest(.PUT, h.client.configuration.baseURL + "/_sim/rate-limit", body: ["per_minute": 100])
            #expect(answer.json == ["per_minute": 100])
            #expect(try await h.client.record(.companies, externalID: "x").rateLimit?.limit == 100)
        }
    }
}
