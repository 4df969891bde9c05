import Foundation
import Synchronization
import TestSupport
import Testing
@testable import HipcallSync

/// The shared mode's announcements of held events: an older event waits for a live peer's newer
/// one until the journal says it was applied, and only then.
@Suite struct HeldElsewhereTests {
    private let e5 = makeEvent(id: "e5", at: 5)
    private let e7 = makeEvent(id: "e7", at: 7)
    private let e9 = makeEvent(id: "e9", at: 9)

    @Test func onlyANewerEventOfALivePeerCounts() {
        let live = Mutex(true)
        let held = HeldElsewhere(me: "a", isLive: { _ in live.withLock { $0 } })
        held.note([HeldEvent(event: e7, worker: "b"), HeldEvent(event: e9, worker: "a")])  // its own is not waited for
        #expect(held.newer(than: e5)?.eventID == "e7")
        #expect(held.newer(than: e7) == nil)
        #expect(held.newer(than: e9) == nil)
        // An older announcement read later does not replace the newer one.
        held.note([HeldEvent(event: makeEvent(id: "e6", at: 6), worker: "c")])
        #expect(held.newer(than: e5)?.eventID == "e7")
        live.withLock { $0 = false }
        #expect(held.newer(than: e5) == nil, "a peer fallen silent holds nothing")
    }

    @Test func theSameTimeIsOrderedByEventIDSoNoTwoWorkersWaitForEachOther() {
        let held = HeldElsewhere(me: "a", isLive: { _ in true })
        held.note([HeldEvent(event: makeEvent(id: "x2", at: 5), worker: "b")])
        #expect(held.newer(than: makeEvent(id: "x1", at: 5)) != nil)
        #expect(held.newer(than: makeEvent(id: "x3", at: 5)) == nil)
    }

    @Test func anOlderEventWaitsUntilTheNewerOneIsApplied() async {
        let held = HeldElsewhere(me: "a", isLive: { _ in true })
        held.note([HeldEvent(event: e7, worker: "b")])
        let returned = Flag()
        let older = e5
        await withDiscardingTaskGroup { group in
            group.addTask {
                await held.awaitNewer(than: older, until: .now + .seconds(30))
                returned.set()
            }
            try? await Task.sleep(for: .milliseconds(300))
            #expect(!returned.isSet, "waits while the peer holds e7")
            held.applied([(e5.key, Date(timeIntervalSince1970: 6), "e6")])  // an older change does not end it
            try? await Task.sleep(for: .milliseconds(200))
            #expect(!returned.isSet)
            held.applied([(e7.key, e7.occurredAt, "e7")])
            #expect(await eventually(timeout: .seconds(20)) { returned.isSet })
        }
        #expect(held.newer(than: e5) == nil)
    }

    @Test func theWaitEndsAtItsDeadline() async {
        let held = HeldElsewhere(me: "a", isLive: { _ in true })
        held.note([HeldEvent(event: e7, worker: "b")])
        let started = ContinuousClock.now
        await held.awaitNewer(than: e5, until: started + .milliseconds(300))
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        #expect(ContinuousClock.now - started < .seconds(30), "it ends (the bound is loose: a busy test run delays wake-ups)")
    }

    @Test func announcementsTravelInJournalBatchesAndEarlierReadersSkipThem() {
        let entry = JournalEntry(event: e5, hipcallID: 42)
        let message = JournalEntry.batchMessage(rows: [entry.row, HeldEvent(event: e7, worker: "b").row])
        let rows = JournalEntry.rows(headers: message.properties.headers, body: message.body)
        #expect(rows.entries == [entry])
        #expect(rows.held == [HeldEvent(event: e7, worker: "b")])
        #expect(JournalEntry.entries(headers: message.properties.headers, body: message.body) == [entry])
    }
}
