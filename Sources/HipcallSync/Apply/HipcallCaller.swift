import Foundation
import Hipcall

/// Runs every Hipcall call of the worker: waits for the rate limiter, feeds it each answer's
/// `x-ratelimit-*` headers (and a `Retry-After`, should a proxy send one), waits out a 429 and tries
/// again (a 429 never counts as a failed attempt), counts calls for the metrics, and turns what is
/// left of a failure into a ``SyncFailure``. A cancelled call is ``SyncFailure/cancelled``.
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
        let started = ContinuousClock.now
        while true {
            do {
                metrics.rateLimitWait(try await limiter.waitForPermit())
            } catch {
                throw .cancelled
            }
            do {
                let response = try await call(client)
                limiter.noteAnswer()
                metrics.apiCall(route: route, status: response.status)
                if let rateLimit = response.rateLimit { await record(rateLimit) }
                return response.value
            } catch let error as HipcallError {
                if error.failureClass == .cancelled { throw .cancelled }
                limiter.noteAnswer()
                metrics.apiCall(route: route, status: error.status ?? 0)
                if let rateLimit = error.rateLimit { await record(rateLimit) }
                if error.isRateLimited {
                    metrics.rateLimited()
                    await limiter.penalize(
                        until: error.retryAfter ?? error.rateLimit?.reset ?? Int64(Date.now.timeIntervalSince1970) + 1)
                    // However the headers read, one call waits out 429s for at most about the limiter's bound.
                    if rateLimited < maxRateLimitedRetries, ContinuousClock.now - started < limiter.maxWait {
                        rateLimited += 1
                        continue
                    }
                } else if let retryAfter = error.retryAfter {
                    await limiter.hold(until: retryAfter)
                }
                if acceptAsNil(error) { return nil }
                throw Self.failure(from: error, apiRoot: client.configuration.displayedAPIRoot)
            } catch {
                if Task.isCancelled || error is CancellationError { throw .cancelled }
                limiter.noteAnswer()
                metrics.apiCall(route: route, status: 0)
                throw .transient(reason: "Hipcall call \(route) failed: \(error)", status: nil)
            }
        }
    }

    private func record(_ rateLimit: HipcallRateLimit) async {
        await limiter.record(limit: rateLimit.limit, remaining: rateLimit.remaining, reset: rateLimit.reset)
        metrics.rateLimitRemaining(rateLimit.remaining)
    }

    /// The sync failure for an API error, by ``HipcallError/failureClass`` (the one classification
    /// of Hipcall's answers). A misconfiguration names the URL tried (`apiRoot` + the route; no token).
    static func failure(from error: HipcallError, apiRoot: String) -> SyncFailure {
        switch error.failureClass {
        case .auth: .auth(status: error.status ?? 401)
        case .transient: .transient(reason: error.description, status: error.status)
        case .permanent: .permanent(reason: error.description, status: error.status)
        case .cancelled: .cancelled
        case .misconfigured:
            .misconfigured(reason: "tried \(error.route.method) \(apiRoot)\(error.route.template): \(error.outcome)", status: error.status)
        }
    }
}
