import Testing

@testable import HipcallSync

/// The partition state machine with channels and waiters as plain numbers: every transition and
/// the action it returns, without a broker.
@Suite("PartitionStateMachine")
struct PartitionStateMachineTests {
    typealias Machine = PartitionStateMachine<Int, Int>

    /// A machine subscribed on channel 1 that received a delivery.
    static func won() -> Machine {
        var machine = Machine()
        machine.subscribed(on: 1)
        machine.delivered()
        return machine
    }

    /// A won machine the balancer accepted, with `inFlight` deliveries admitted.
    static func accepted(inFlight: Int) -> Machine {
        var machine = won()
        _ = machine.accept()
        for _ in 0..<inFlight { _ = machine.admit() }
        return machine
    }

    @Test("a subscription stands by until a delivery arrives; then it is held but dispatches nothing until accepted")
    func subscribeAndWin() {
        var machine = Machine()
        #expect(machine.state == .idle)
        machine.subscribed(on: 1)
        #expect(machine.state == .standby(1))
        #expect(!machine.isHeld)
        machine.delivered()
        #expect(machine.state == .won(1, waiter: nil))
        #expect(machine.isHeld && !machine.isAccepted)
        do { let result = machine.admit(); #expect(!result) }
        machine.delivered()
        #expect(machine.state == .won(1, waiter: nil))
    }

    @Test("the decision wait is kept while won and resumed with true by accept")
    func acceptResumesWaiter() {
        var machine = Self.won()
        do { let result = machine.waitForDecision(7); #expect(result == .waiting) }
        do { let result = machine.accept(); #expect(result == .resume(7, mayDispatch: true)) }
        #expect(machine.state == .accepted(1, inFlight: 0))
        do { let result = machine.waitForDecision(8); #expect(result == .decided(true)) }
        do { let result = machine.accept(); #expect(result == .none) }
    }

    @Test("accept without a waiter returns nothing; accept outside won changes nothing")
    func acceptWithoutWaiter() {
        var machine = Self.won()
        do { let result = machine.accept(); #expect(result == .none) }
        #expect(machine.isAccepted)
        var standby = Machine()
        standby.subscribed(on: 1)
        do { let result = standby.accept(); #expect(result == .none) }
        #expect(standby.state == .standby(1))
    }

    @Test("a cancelled decision wait gives its waiter back once")
    func cancelWait() {
        var machine = Self.won()
        _ = machine.waitForDecision(7)
        do { let result = machine.cancelWait(); #expect(result == 7) }
        do { let result = machine.cancelWait(); #expect(result == nil) }
        do { let result = machine.accept(); #expect(result == .none) }
    }

    @Test("accepted deliveries count in flight and settle")
    func admitAndSettle() {
        var machine = Self.accepted(inFlight: 2)
        #expect(machine.inFlight == 2)
        do { let result = machine.settled(); #expect(result == .none) }
        #expect(machine.state == .accepted(1, inFlight: 1))
    }

    @Test("a handover with nothing in flight closes at once, answering a waiting loop with false")
    func handoverOfWonPartition() {
        var machine = Self.won()
        _ = machine.waitForDecision(7)
        do { let result = machine.beginDraining(.handover); #expect(result == .close(1, resuming: 7)) }
        #expect(machine.state == .closing(inFlight: 0))
        #expect(machine.isClosing && !machine.isHeld)
        do { let result = machine.beginDraining(.handover); #expect(result == nil) }
    }

    @Test("a handover waits for the in-flight deliveries: the last settlement after draining began closes the channel")
    func settleAfterDrainingBegan() {
        var machine = Self.accepted(inFlight: 2)
        do { let result = machine.beginDraining(.handover); #expect(result == Machine.Action.none) }
        #expect(machine.state == .draining(1, inFlight: 2, reason: .handover))
        #expect(!machine.isHeld)
        do { let result = machine.admit(); #expect(!result) }
        do { let result = machine.waitForDecision(7); #expect(result == .decided(false)) }
        do { let result = machine.settled(); #expect(result == .none) }
        do { let result = machine.settled(); #expect(result == .close(1, resuming: nil)) }
        #expect(machine.state == .closing(inFlight: 0))
    }

    @Test("a shutdown drain stops dispatching, resumes a waiting loop with false and never closes by itself")
    func shutdownDrain() {
        var won = Self.won()
        _ = won.waitForDecision(7)
        do { let result = won.beginDraining(.shutdown); #expect(result == .resume(7, mayDispatch: false)) }
        #expect(won.state == .draining(1, inFlight: 0, reason: .shutdown))
        var machine = Self.accepted(inFlight: 1)
        do { let result = machine.beginDraining(.shutdown); #expect(result == Machine.Action.none) }
        do { let result = machine.settled(); #expect(result == .none) }
        #expect(machine.state == .draining(1, inFlight: 0, reason: .shutdown))
        do { let result = machine.close(); #expect(result == .close(1, resuming: nil)) }
        #expect(machine.state == .closing(inFlight: 0))
    }

    @Test("a standby subscription drains for shutdown and closes when told")
    func standbyShutdown() {
        var machine = Machine()
        machine.subscribed(on: 3)
        do { let result = machine.beginDraining(.shutdown); #expect(result == Machine.Action.none) }
        do { let result = machine.close(); #expect(result == .close(3, resuming: nil)) }
    }

    @Test("a shutdown during a handover keeps the handover, which closes once settled; the shutdown's close is then a no-op")
    func shutdownDuringHandover() {
        var machine = Self.accepted(inFlight: 1)
        _ = machine.beginDraining(.handover)
        do { let result = machine.beginDraining(.shutdown); #expect(result == nil) }
        #expect(machine.state == .draining(1, inFlight: 1, reason: .handover))
        do { let result = machine.settled(); #expect(result == .close(1, resuming: nil)) }
        do { let result = machine.close(); #expect(result == .none) }
    }

    @Test("a close while in flight closes the channel at once; the deliveries still settle, and nothing closes twice")
    func closeWhileInFlight() {
        var machine = Self.accepted(inFlight: 2)
        do { let result = machine.close(); #expect(result == .close(1, resuming: nil)) }
        #expect(machine.state == .closing(inFlight: 2))
        do { let result = machine.admit(); #expect(!result) }
        do { let result = machine.settled(); #expect(result == .none) }
        do { let result = machine.settled(); #expect(result == .none) }
        #expect(machine.state == .closing(inFlight: 0))
        do { let result = machine.close(); #expect(result == .none) }
        do { let result = machine.beginDraining(.handover); #expect(result == nil) }
    }

    @Test("a close while draining for a handover closes now; the later settlement does not close again")
    func closeWhileDraining() {
        var machine = Self.accepted(inFlight: 1)
        _ = machine.beginDraining(.handover)
        do { let result = machine.close(); #expect(result == .close(1, resuming: nil)) }
        do { let result = machine.settled(); #expect(result == .none) }
        #expect(machine.state == .closing(inFlight: 0))
    }

    @Test("a close of a won partition answers its waiting loop with false")
    func closeWon() {
        var machine = Self.won()
        _ = machine.waitForDecision(7)
        do { let result = machine.close(); #expect(result == .close(1, resuming: 7)) }
    }

    @Test("between subscriptions nothing drains, closes, dispatches or settles; the end of a subscription returns to idle")
    func idle() {
        var machine = Machine()
        do { let result = machine.beginDraining(.shutdown); #expect(result == nil) }
        do { let result = machine.close(); #expect(result == .none) }
        do { let result = machine.waitForDecision(7); #expect(result == .decided(false)) }
        do { let result = machine.settled(); #expect(result == .none) }
        #expect(machine.state == .idle)
        var closed = Self.accepted(inFlight: 0)
        _ = closed.close()
        closed.ended()
        #expect(closed.state == .idle && !closed.isClosing)
        closed.subscribed(on: 2)
        #expect(closed.state == .standby(2))
    }
}
