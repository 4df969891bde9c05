import Testing

@testable import HipcallSync

/// The balancing round as a pure function: fair share, newly won partitions, the fewest in flight
/// going first, and the paused fleet.
@Suite("PartitionBalancer")
struct PartitionBalancerTests {
    typealias Held = PartitionBalancer.Held

    /// A fixed random source, so the order newly won partitions are accepted in is repeatable.
    struct Counter: RandomNumberGenerator {
        var state: UInt64 = 42
        mutating func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state
        }
    }

    static func decide(_ held: [Held], partitions: Int = 8, workers: Int, paused: Bool = false) -> PartitionBalancer.Decision {
        var random = Counter()
        return PartitionBalancer.decide(held: held, partitions: partitions, workers: workers, paused: paused, using: &random)
    }

    static func won(_ partitions: Range<Int>) -> [Held] {
        partitions.map { Held(partition: $0, accepted: false, inFlight: 0) }
    }

    @Test("one worker accepts every partition it wins")
    func oneWorker() {
        let decision = Self.decide(Self.won(0..<8), workers: 1)
        #expect(decision.fair == 8)
        #expect(decision.accept.sorted() == Array(0..<8))
        #expect(decision.handOver.isEmpty)
    }

    @Test("a worker that won everything while others live accepts its fair share and hands the rest on at once")
    func wonMoreThanShare() {
        let decision = Self.decide(Self.won(0..<8), workers: 3)
        #expect(decision.fair == 3)
        #expect(decision.accept.count == 3)
        #expect(decision.handOver.count == 5)
        #expect(Set(decision.accept + decision.handOver) == Set(0..<8))
    }

    @Test("newly won partitions are accepted in the random source's order: the same seed, the same choice")
    func randomOrder() {
        let held = Self.won(0..<8)
        var first = Counter(state: 1)
        var again = Counter(state: 1)
        let chosen = PartitionBalancer.decide(held: held, partitions: 8, workers: 4, paused: false, using: &first)
        #expect(chosen.accept.count == 2)
        #expect(PartitionBalancer.decide(held: held, partitions: 8, workers: 4, paused: false, using: &again) == chosen)
    }

    @Test("a joining worker shrinks the share: the accepted partitions with the fewest in flight go")
    func joiningWorker() {
        let held = [
            Held(partition: 0, accepted: true, inFlight: 5), Held(partition: 1, accepted: true, inFlight: 0),
            Held(partition: 2, accepted: true, inFlight: 3), Held(partition: 3, accepted: true, inFlight: 1),
        ]
        // 8 partitions, 2 workers held 4 each; a third joins: fair = 3.
        let decision = Self.decide(held, workers: 3)
        #expect(decision.fair == 3)
        #expect(decision.accept.isEmpty)
        #expect(decision.handOver == [1])
        // A fourth: fair = 2, the two with the fewest in flight go, fewest first.
        #expect(Self.decide(held, workers: 4).handOver == [1, 3])
    }

    @Test("a leaving worker grows the share: the partitions won from it are accepted up to the new share")
    func leavingWorker() {
        let kept = (0..<3).map { Held(partition: $0, accepted: true, inFlight: 2) }
        // 8 partitions, 3 workers became 2: fair = 4; this worker won 3 more of the leaver's 2 or 3.
        let decision = Self.decide(kept + Self.won(3..<6), workers: 2)
        #expect(decision.fair == 4)
        #expect(decision.accept.count == 1)
        #expect(Set(decision.accept + decision.handOver) == Set(3..<6))
        #expect(decision.handOver.count == 2)
    }

    @Test("while paused, accepted partitions over the share stay; newly won ones over it are still handed on")
    func pausedFleet() {
        let kept = (0..<4).map { Held(partition: $0, accepted: true, inFlight: 1) }
        let decision = Self.decide(kept + Self.won(4..<5), workers: 4, paused: true)
        #expect(decision.fair == 2)
        #expect(decision.handOver == [4])
        #expect(Self.decide(kept, workers: 4, paused: false).handOver.count == 2)
    }

    @Test("more workers than partitions: the share is one, so a worker keeps at most one")
    func moreWorkersThanPartitions() {
        let decision = Self.decide(Self.won(0..<2), partitions: 2, workers: 5)
        #expect(decision.fair == 1)
        #expect(decision.accept.count == 1)
        #expect(decision.handOver.count == 1)
        let kept = [Held(partition: 0, accepted: true, inFlight: 0), Held(partition: 1, accepted: true, inFlight: 4)]
        #expect(Self.decide(kept, partitions: 2, workers: 5).handOver == [0])
    }

    @Test("within the share nothing moves")
    func withinShare() {
        let kept = (0..<3).map { Held(partition: $0, accepted: true, inFlight: 0) }
        let decision = Self.decide(kept, workers: 3)
        #expect(decision.accept.isEmpty && decision.handOver.isEmpty)
        #expect(Self.decide([], workers: 3) == PartitionBalancer.Decision(fair: 3, accept: [], handOver: []))
    }
}
