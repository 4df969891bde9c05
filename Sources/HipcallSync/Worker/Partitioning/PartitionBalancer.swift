/// The balancing rule, as a pure function: each worker keeps at most its fair share,
/// `ceil(partitions / workers)`. A partition newly won dispatches nothing until a round accepts it,
/// so one that would exceed the share is handed on at once, with nothing to drain; when the share
/// shrinks (a worker joined) the accepted partitions with the fewest deliveries in flight go,
/// unless the worker is paused (upserts stuck behind a refused token would never drain).
enum PartitionBalancer {
    /// One partition this worker is the active consumer of.
    struct Held: Sendable, Equatable {
        var partition: Int
        /// Whether a round accepted it (false: newly won, nothing dispatched).
        var accepted: Bool
        /// Its dispatched deliveries not settled yet.
        var inFlight: Int
    }

    /// One round's decision.
    struct Decision: Sendable, Equatable {
        /// The fair share: `ceil(partitions / workers)`.
        var fair: Int
        /// Newly won partitions to accept.
        var accept: [Int]
        /// Partitions to hand on to the next worker.
        var handOver: [Int]
    }

    /// Decides a round for the `held` partitions of `partitions`, with `workers` live workers (this
    /// one included); newly won partitions are accepted in an order drawn from `random`.
    static func decide(
        held: [Held], partitions: Int, workers: Int, paused: Bool, using random: inout some RandomNumberGenerator
    ) -> Decision {
        let workers = max(1, workers)
        let fair = (partitions + workers - 1) / workers
        var kept = held.filter(\.accepted)
        var decision = Decision(fair: fair, accept: [], handOver: [])
        for won in held.filter({ !$0.accepted }).shuffled(using: &random) {
            if kept.count < fair {
                decision.accept.append(won.partition)
                kept.append(won)
            } else {
                decision.handOver.append(won.partition)
            }
        }
        if kept.count > fair, !paused {
            decision.handOver += kept.sorted { $0.inFlight < $1.inFlight }.prefix(kept.count - fair).map(\.partition)
        }
        return decision
    }

    /// ``decide(held:partitions:workers:paused:using:)`` with the system's random numbers.
    static func decide(held: [Held], partitions: Int, workers: Int, paused: Bool) -> Decision {
        var random = SystemRandomNumberGenerator()
        return decide(held: held, partitions: partitions, workers: workers, paused: paused, using: &random)
    }
}
