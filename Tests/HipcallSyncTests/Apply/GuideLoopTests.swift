import Foundation
import TestSupport
import Testing
@testable import HipcallSync

private let key = SyncKey(resource: .companies, externalID: "ERP-1")

/// The guide's loop (the benchmark's baseline): every event applied in order, nothing coalesced or reused.
@Suite struct GuideLoopTests {
    @Test func everyEventIsAppliedInArrivalOrderWithoutCoalescingOrStaleCheck() async {
        let lock = KeyedLock()
        let loop = GuideLoopCoalescer(lock: lock)
        let applied = Recorder<String>()
        let apply: @Sendable (SyncEvent) async throws(SyncFailure) -> Void = { event in await applied.append(event.eventID) }
        let gate = Gate()
        let holder = Task { await lock.withLock(keys: [key]) { await gate.wait() } }
        #expect(await eventually { lock.isHeld(key) })
        var tasks: [Task<CoalescingOutcome, Never>] = []
        for (index, (id, at)) in [("A", 1.0), ("B", 3.0), ("C", 2.0)].enumerated() {
            tasks.append(Task { await loop.submit(makeEvent(id: id, at: at), apply: apply) })
            #expect(await eventually { lock.waitingCount(for: key) == index + 1 }, "\(id) queued")
        }
        #expect(loop.pendingCount == 3)
        await gate.open()
        await holder.value
        for task in tasks { #expect(await task.value == .applied(supersededEventIDs: [])) }
        // An older event, and the same one again, are applied too: no stale check.
        #expect(await loop.submit(makeEvent(id: "A", at: 1), apply: apply) == .applied(supersededEventIDs: []))
        #expect(await applied.items == ["A", "B", "C", "A"])
        #expect(loop.pendingCount == 0)
    }

    @Test func aFailureIsThatEventsAlone() async {
        let loop = GuideLoopCoalescer()
        let failure = SyncFailure.transient(reason: "HTTP 503", status: 503)
        #expect(await loop.submit(makeEvent(id: "A", at: 1)) { _ throws(SyncFailure) in throw failure } == .failed(failure, supersededEventIDs: []))
        #expect(await loop.submit(makeEvent(id: "B", at: 2)) { _ throws(SyncFailure) in } == .applied(supersededEventIDs: []))
    }

    @Test func aContactWaitsUntilItsCompanysPendingEventIsApplied() async {
        let loop = GuideLoopCoalescer()
        let gate = Gate()
        let order = Recorder<String>()
        let company = Task {
            await loop.submit(makeEvent(id: "company", at: 1)) { _ throws(SyncFailure) in
                await gate.wait()
                await order.append("company applied")
            }
        }
        #expect(await eventually { loop.pendingCount == 1 })
        let contact = Task {
            await loop.waitUntilSettled(key)
            await order.append("contact goes")
        }
        await gate.open()
        await contact.value
        #expect(await company.value == .applied(supersededEventIDs: []))
        #expect(await order.items == ["company applied", "contact goes"])
        // Nothing pending: no wait at all.
        await loop.waitUntilSettled(key)
    }
}
