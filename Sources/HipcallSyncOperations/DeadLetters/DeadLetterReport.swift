import HipcallSync
/// What happened to one matching dead letter during a replay or purge.
public struct DeadLetterOutcome: Sendable {
    /// What was done with the message.
    public enum Action: Sendable, Equatable {
        /// Republished (confirmed) and removed from the dead-letter queue.
        case replayed
        /// A dry run: it would have been replayed; it stays in the queue.
        case wouldReplay
        /// Moved to the parked queue by the loop guard (replayed too often already).
        case parked
        /// A dry run: the loop guard would have parked it; it stays in the queue.
        case wouldPark
        /// Removed from the dead-letter queue.
        case purged
        /// Kept in the dead-letter queue (a browse).
        case kept
        /// Written to an export file; with `removed`, also removed from the queue once the file was synced.
        case exported(removed: Bool)
        /// The replay failed for this reason; the message stays in the queue.
        case failed(String)

        /// Whether the replay of this message failed.
        public var isFailure: Bool {
            if case .failed = self { return true }
            return false
        }

        /// A short label for tables and JSON.
        public var label: String {
            switch self {
            case .replayed: "replayed"
            case .wouldReplay: "would-replay"
            case .parked: "parked"
            case .wouldPark: "would-park"
            case .purged: "purged"
            case .kept: "kept"
            case .exported(let removed): removed ? "exported-removed" : "exported"
            case .failed: "failed"
            }
        }
    }

    public let letter: DeadLetter
    public let action: Action
}

/// The tally of one replay, purge or export over the dead-letter queue.
public struct DeadLetterReport: Sendable {
    /// Messages fetched from the queue.
    public var examined = 0
    /// Messages that passed the filter (at most the limit).
    public var matched = 0
    /// Messages that did not pass the filter; returned to the queue untouched.
    public var skipped = 0
    /// Messages replayed, purged or exported with removal (removed from the queue), the parked ones not counted.
    public var removed = 0
    /// Messages the loop guard moved to the parked queue (or, in a dry run, would have).
    public var parked = 0
    /// Messages whose replay failed; returned to the queue.
    public var failed = 0
    /// The outcome of every matching message, in queue order.
    public var outcomes: [DeadLetterOutcome] = []

    mutating func record(_ outcome: DeadLetterOutcome) {
        outcomes.append(outcome)
        switch outcome.action {
        case .replayed, .purged, .exported(removed: true): removed += 1
        case .parked, .wouldPark: parked += 1
        case .failed: failed += 1
        case .wouldReplay, .kept, .exported(removed: false): break
        }
    }
}
