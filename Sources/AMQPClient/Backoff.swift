/// Exponential backoff with full jitter, for reconnecting to the broker.
public struct Backoff: Sendable {
    var initial: Duration
    var maximum: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(10)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before retry number `attempt` (0-based): random in [0, min(maximum, initial * 2^attempt)].
    public func delay(attempt: Int) -> Duration {
        let ceiling = min(maximum, initial * (1 << min(attempt, 20)))
        let milliseconds = ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: max(1, milliseconds / 2)...max(1, milliseconds)))
    }
}
