/// When to retry a failed event and through which delay queue, and when to dead-letter it.
public struct RetryPolicy: Sendable, Hashable {
    /// The delay before each retry: the n-th retry (1-based) waits `delays[min(n, count) - 1]`,
    /// so attempts past the list reuse its last step.
    public let delays: [Duration]
    /// The most attempts in total, the first included; after that the event is dead-lettered.
    public let maxAttempts: Int

    public init(delays: [Duration] = [.seconds(1), .seconds(5), .seconds(30), .seconds(120)], maxAttempts: Int = 5) {
        precondition(!delays.isEmpty, "a retry policy needs at least one delay")
        precondition(maxAttempts >= 1, "maxAttempts counts the first attempt, so it is at least 1")
        self.delays = delays
        self.maxAttempts = maxAttempts
    }

    /// What to do next.
    enum Decision: Sendable, Hashable {
        /// Republish to the delay queue `queueIndex` (an index into `delays`), which holds it for `delay`.
        case retry(delay: Duration, queueIndex: Int)
        case deadLetter
    }

    /// The decision after attempt number `attempts` (1 for the first delivery) failed with `failure`.
    func decide(attempts: Int, failure: SyncFailure) -> Decision {
        guard failure.isRetryable, attempts < maxAttempts else { return .deadLetter }
        let index = min(max(attempts, 1), delays.count) - 1
        return .retry(delay: delays[index], queueIndex: index)
    }
}
