import Foundation
import Hipcall

/// Runs every Hipcall call of the worker: waits for the rate limiter, feeds it each answer's
/// `x-ratelimit-*` headers, waits out a 429 and tries again (a 429 never counts as a failed
/// attempt), counts calls for the metrics, and turns what is left of a failure into a
/// ``SyncFailure``.
struct HipcallCaller: Sendable {
    let client: HipcallClient
    let limiter: RateLimiter
    let metrics: WorkerMetrics

    /// How many 429 answers in a row one call may wait out before it gives up as a transient failure.
    private let maxRateLimitedRetries = 20

    /// Performs `call`. An error for which `acceptAsNil` holds (a 404 on a lookup, a lost
    /// create race) is answered as `nil`; any other error is a failure.
    func perform<Value: Sendable>(
        _ route: String, acceptAsNil: (HipcallError) -> Bool = { _ in false },
        _ call: @Sendable (HipcallClient) async throws -> HipcallResponse<Value>
    ) async throws(SyncFailure) -> Value? {
        var rateLimited = 0
        while true {
            do {
                try await limiter.waitForPermit()
            } catch {
                throw SyncFailure.transient(reason: "cancelled while waiting for the rate limit", status: nil)
            }
            do {
                let response = try await call(client)
                metrics.apiCall(route: route, status: response.status)
                if let rateLimit = response.rateLimit { await record(rateLimit) }
                return response.value
            } catch let error as HipcallError {
                metrics.apiCall(route: route, status: error.status ?? 0)
                if let rateLimit = error.rateLimit { await record(rateLimit) }
                if error.isRateLimited, rateLimited < maxRateLimitedRetries {
                    rateLimited += 1
                    await limiter.penalize(until: error.rateLimit?.reset ?? Int64(Date.now.timeIntervalSince1970) + 1)
                    continue
                }
                if acceptAsNil(error) { return nil }
                throw Self.failure(from: error)
            } catch {
                metrics.apiCall(route: route, status: 0)
                throw SyncFailure.transient(reason: "Hipcall call \(route) failed: \(error)", status: nil)
            }
        }
    }

    private func record(_ rateLimit: HipcallRateLimit) async {
        await limiter.record(limit: rateLimit.limit, remaining: rateLimit.remaining, reset: rateLimit.reset)
        metrics.rateLimitRemaining(rateLimit.remaining)
    }

    /// Classifies an API error: auth, retryable (network, timeout, 5xx, 429), or permanent.
    static func failure(from error: HipcallError) -> SyncFailure {
        if error.isAuthFailure { return .auth(status: error.status ?? 401) }
        if error.isRetryable { return .transient(reason: error.description, status: error.status) }
        return .permanent(reason: error.description, status: error.status)
    }
}
