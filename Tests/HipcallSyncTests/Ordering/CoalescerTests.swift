import Foundation
import TestSupport
import Testing
@testable import HipcallSync

private let key = SyncKey(resource: .companies, externalID: "ERP-1")

/// Runs coalescer scenarios with a gate-held lock so that the queue order is deterministic.
private struct Harness {
    let lock = KeyedLock()
    let coalescer: Coalescer
    let applied = Recorder<String>()

    init() {
        coalescer = Coalescer(lock: lock)
    }

    func submit(_ event: SyncEvent, failing failure: SyncFailure? = nil) async -> CoalescingOutcome {
        await coalescer.submit(event) { (event: SyncEvent) throws(SyncFailure) in
            await applied.append(event.eventID)
            if let failure { throw failure }
        }
    }

    /// Starts `event` in a task and waits until it is queued behind the lock.
    func enqueue(_ event: SyncEvent, failing failure: SyncFailure? = nil) async -> Task<CoalescingOutcome, Never> {
        let before = lock.waitingCount(for: key)
        let task = Task { await submit(event, failing: failure) }
        #expect(await eventually { lock.waitingCount(for: key) == before + 1 }, "\(event.eventID) queued behind the lock")
        return task
    }

    /// Holds the key from outside until the returned gate opens.
    func hold() async -> (Gate, Task<Void, Never>) {
        let gate = Gate()
        let before = lock.waitingCount(for: key)
        let wasHeld = lock.isHeld(key)
        let task = Task { await lock.withLock(keys: [key]) { await gate.wait() } }
        #expect(await eventually { wasHeld ? lock.waitingCount(for: key) == before + 1 : lock.isHeld(key) }, "the outside holder queued")
        return (gate, task)
    }
}

@Suite struct CoalescerTests {
    @Test func eventsWithoutContentionAreApplied() async {
        let h = Harness()
        #expect(await h.submit(makeEvent(id: "e1", at: 1)) == .applied(supersededEventIDs: []))
        #expect(await h.submit(makeEvent(id: "e2", at: 2)) == .applied(supersededEventIDs: []))
        #expect(await h.applied.items == ["e1", "e2"])
    }

    @Test func olderOrSameEventAfterAnAppliedOneIsStale() async {
        let h = Harness()
        _ = await h.submit(makeEvent(id: "e2", at: 20))
        #expect(await h.submit(makeEvent(id: "e1", at: 10)) == .stale)
        #expect(await h.submit(makeEvent(id: "e2", at: 20)) == .stale)
        #expect(await h.submit(makeEvent(id: "other", at: 20)) == .applied(supersededEventIDs: []))
        #expect(await h.applied.items == ["e2", "other"])
        #expect(CoalescingOutcome.stale.shouldAck)
    }

    @Test func aChangeRememberedFromTheJournalMakesOlderEventsStale() async {
        let h = Harness()
        await h.coalescer.remember([(key, Date(timeIntervalSince1970: 20), "elsewhere")])
        #expect(await h.submit(makeEvent(id: "e1", at: 10)) == .stale)
        #expect(await h.submit(makeEvent(id: "elsewhere", at: 20)) == .stale)
        // An older journal entry read later does not move the record's time back.
        await h.coalescer.remember([(key, Date(timeIntervalSince1970: 5), "older")])
        #expect(await h.submit(makeEvent(id: "e3", at: 15)) == .stale)
        #expect(await h.submit(makeEvent(id: "e4", at: 30)) == .applied(supersededEventIDs: []))
        #expect(await h.applied.items == ["e4"])
    }

    @Test func theDecisionWaitsForReadinessSoLaterEventsAreAbsorbed() async {
        let gate = Gate()
        let coalescer = Coalescer(lock: KeyedLock()) { _ in
            await gate.wait()
            return {}
        }
        let applied = Recorder<String>()
        let apply: @Sendable (SyncEvent) async throws(SyncFailure) -> Void = { event in await applied.append(event.eventID) }
        let first = Task { await coalescer.submit(makeEvent(id: "e1", at: 1), apply: apply) }
        #expect(await eventually { await coalescer.pendingCount == 1 })
        // e1 holds the lock but is not ready yet: e2 arrives meanwhile and e1 steps aside for it.
        let second = Task { await coalescer.submit(makeEvent(id: "e2", at: 2), apply: apply) }
        #expect(await eventually { await coalescer.pendingCount == 2 })
        await gate.open()
        #expect(await first.value == .coalesced(intoEventID: "e2", failure: nil))
        #expect(await second.value == .applied(supersededEventIDs: ["e1"]))
        #expect(await applied.items == ["e2"])
    }

    @Test func anOlderEventStepsAsideForANewerOneReservedWhileItWaitsElsewhere() async {
        let h = Harness()
        // e2 is registered, then waits for something else (its company, a scan) before it is submitted.
        let reservation = await h.coalescer.reserve(makeEvent(id: "e2", at: 2))
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "e1", at: 1))
        await gate.open()
        await holder.value
        // e1 decides while e2 is still away: it steps aside and waits for e2's result.
        #expect(await eventually { await h.coalescer.pendingCount == 1 && h.lock.waitingCount(for: key) == 0 && !h.lock.isHeld(key) })
        let second = await h.coalescer.submit(makeEvent(id: "e2", at: 2), reserved: reservation) { (event: SyncEvent) throws(SyncFailure) in
            await h.applied.append(event.eventID)
        }
        #expect(second == .applied(supersededEventIDs: ["e1"]))
        #expect(await first.value == .coalesced(intoEventID: "e2", failure: nil))
        #expect(await h.applied.items == ["e2"])
    }

    @Test func aWithdrawnReservationSendsTheEventsThatSteppedAsideForItBack() async {
        let h = Harness()
        let event = makeEvent(id: "e2", at: 2)
        let reservation = await h.coalescer.reserve(event)
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "e1", at: 1))
        await gate.open()
        await holder.value
        #expect(await eventually { await h.coalescer.pendingCount == 1 && h.lock.waitingCount(for: key) == 0 && !h.lock.isHeld(key) })
        await h.coalescer.withdraw(reservation!, of: event)
        #expect(await first.value == .coalesced(intoEventID: "e2", failure: .cancelled))
        #expect(await h.coalescer.pendingCount == 0)
        #expect(await h.applied.items.isEmpty)
    }

    @Test func anEventLingersAfterItArrivesSoTheRestOfItsBurstIsAbsorbed() async {
        // Long enough that e2 arrives inside it even on a loaded CI machine (a 300 ms linger did not).
        let linger = Duration.seconds(3)
        let coalescer = Coalescer(lock: KeyedLock(), linger: linger)
        let applied = Recorder<String>()
        let apply: @Sendable (SyncEvent) async throws(SyncFailure) -> Void = { event in await applied.append(event.eventID) }
        let start = ContinuousClock.now
        // Nothing else holds e1 back: only the linger keeps it undecided until e2 arrives.
        let first = Task { await coalescer.submit(makeEvent(id: "e1", at: 1), apply: apply) }
        #expect(await eventually { await coalescer.pendingCount == 1 })
        let second = Task { await coalescer.submit(makeEvent(id: "e2", at: 2), apply: apply) }
        #expect(await first.value == .coalesced(intoEventID: "e2", failure: nil))
        #expect(ContinuousClock.now - start >= linger)
        #expect(await second.value == .applied(supersededEventIDs: ["e1"]))
        #expect(await applied.items == ["e2"])
    }

    @Test func otherKeysAreNotStale() async {
        let h = Harness()
        _ = await h.submit(makeEvent(id: "e2", at: 20))
        #expect(await h.submit(makeEvent(id: "e1", externalID: "ERP-2", at: 10)) == .applied(supersededEventIDs: []))
    }

    @Test func waitingEventsCollapseIntoTheNewest() async {
        let h = Harness()
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "A", at: 1))
        let newest = await h.enqueue(makeEvent(id: "B", at: 3))
        let late = await h.enqueue(makeEvent(id: "C", at: 2))
        await gate.open()
        await holder.value
        #expect(await first.value == .coalesced(intoEventID: "B", failure: nil))
        #expect(await newest.value == .applied(supersededEventIDs: ["A"]))
        #expect(await late.value == .stale)
        #expect(await h.applied.items == ["B"])
        #expect(await first.value.shouldAck)
        #expect(await h.coalescer.pendingCount == 0)
    }

    @Test func tiesAreBrokenByArrivalOrder() async {
        let h = Harness()
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "A", at: 5))
        let second = await h.enqueue(makeEvent(id: "B", at: 5))
        await gate.open()
        await holder.value
        #expect(await first.value == .coalesced(intoEventID: "B", failure: nil))
        #expect(await second.value == .applied(supersededEventIDs: ["A"]))
    }

    @Test func aFailedWinnerFailsItsFollowersAndIsNotRemembered() async {
        let h = Harness()
        let failure = SyncFailure.transient(reason: "HTTP 503", status: 503)
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "A", at: 1))
        let newest = await h.enqueue(makeEvent(id: "B", at: 3), failing: failure)
        await gate.open()
        await holder.value
        #expect(await first.value == .coalesced(intoEventID: "B", failure: failure))
        #expect(await newest.value == .failed(failure, supersededEventIDs: ["A"]))
        #expect(await !first.value.shouldAck)
        #expect(await !newest.value.shouldAck)
        // Nothing was applied successfully, so an older event is not stale.
        #expect(await h.submit(makeEvent(id: "A", at: 1)) == .applied(supersededEventIDs: []))
    }

    @Test func followersMoveAlongWhenTheWinnerStepsAsideToo() async {
        let h = Harness()
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "A", at: 1))
        let (secondGate, secondHolder) = await h.hold()
        let middle = await h.enqueue(makeEvent(id: "B", at: 2))
        await gate.open()
        await holder.value
        // A stepped aside for B; now, while the outside holder has the key, C arrives.
        #expect(await eventually { await h.coalescer.pendingCount == 1 })
        let newest = await h.enqueue(makeEvent(id: "C", at: 3))
        await secondGate.open()
        await secondHolder.value
        #expect(await first.value == .coalesced(intoEventID: "C", failure: nil))
        #expect(await middle.value == .coalesced(intoEventID: "C", failure: nil))
        #expect(await newest.value == .applied(supersededEventIDs: ["A", "B"]))
        #expect(await h.applied.items == ["C"])
    }

    @Test func followersOfAStaleWinnerAreStaleToo() async {
        let h = Harness()
        _ = await h.submit(makeEvent(id: "W", at: 5))
        let (gate, holder) = await h.hold()
        let first = await h.enqueue(makeEvent(id: "A", at: 5))
        let redelivered = await h.enqueue(makeEvent(id: "W", at: 5))
        await gate.open()
        await holder.value
        let finished = Recorder<CoalescingOutcome>()
        Task { await finished.append(await first.value) }
        #expect(await eventually { await finished.items == [.stale] })
        #expect(await redelivered.value == .stale)
        #expect(await h.applied.items == ["W"])
    }

    @Test func reKeyEventsAreNeverAbsorbed() async {
        let h = Harness()
        let (gate, holder) = await h.hold()
        let rekey = await h.enqueue(makeEvent(id: "R", at: 1, previous: "OLD-1"))
        let newer = await h.enqueue(makeEvent(id: "B", at: 2))
        await gate.open()
        await holder.value
        #expect(await rekey.value == .applied(supersededEventIDs: []))
        #expect(await newer.value == .applied(supersededEventIDs: []))
        #expect(await h.applied.items == ["R", "B"])
    }

    @Test func manyConcurrentEventsEachGetExactlyOneOutcome() async {
        let h = Harness()
        let outcomes = await withTaskGroup(of: CoalescingOutcome.self) { group in
            for index in 0..<200 {
                group.addTask { await h.submit(makeEvent(id: "e\(index)", externalID: "K\(index % 5)", at: Double(index % 17))) }
            }
            return await group.reduce(into: [CoalescingOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.shouldAck })
        let appliedCount = await h.applied.items.count
        let reported = outcomes.filter { if case .applied = $0 { true } else { false } }.count
        #expect(appliedCount == reported)
        #expect(await h.coalescer.pendingCount == 0)
        #expect(h.lock.waiterCount == 0)
    }
}
