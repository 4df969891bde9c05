import Foundation
import Testing
@testable import HipcallSync

/// The election and progress every worker derives from the journal's scan messages.
@Suite struct ScanLedgerTests {
    let start = Date(timeIntervalSince1970: 1_795_611_480)

    func message(_ kind: ScanMessage.Kind, _ worker: String, after seconds: TimeInterval, offset: Int = 0) -> ScanMessage {
        ScanMessage(kind, .companies, worker: worker, at: start + seconds, offset: offset)
    }

    /// Reads `messages` as the follower does, at a reader's clock just after the last one.
    func ledger(me: String = "a", _ messages: [ScanMessage]) -> ScanLedger {
        let ledger = ScanLedger(me: me, staleAfter: 30)
        for message in messages { ledger.apply(message, now: start + 1_000) }
        return ledger
    }

    @Test func theFirstClaimWinsAndALiveOneIsNotTakenOver() {
        let ledger = ledger([message(.claim, "a", after: 0), message(.claim, "b", after: 1), message(.progress, "a", after: 20, offset: 100),
            message(.claim, "b", after: 45)])
        #expect(ledger.scan(.companies).holder == "a")
        #expect(ledger.scan(.companies).nextOffset == 100)
        #expect(ledger.scan(.contacts).holder == nil)
    }

    @Test func aClaimAfterTheHolderWentQuietTakesOverAndResumesItsOffset() {
        let ledger = ledger([message(.claim, "a", after: 0), message(.progress, "a", after: 5, offset: 300),
            message(.claim, "b", after: 36), message(.progress, "a", after: 37, offset: 400), message(.progress, "b", after: 38, offset: 400)])
        #expect(ledger.scan(.companies).holder == "b")
        // The old holder's late progress counts no more: only b's moved the offset to 400.
        #expect(ledger.scan(.companies).nextOffset == 400)
        let late = self.ledger([message(.claim, "a", after: 0), message(.progress, "a", after: 5, offset: 300),
            message(.claim, "b", after: 36), message(.progress, "a", after: 37, offset: 400)])
        #expect(late.scan(.companies).nextOffset == 300)
    }

    @Test func progressFromAnyoneButTheHolderAndBackwardsOffsetsAreIgnored() {
        let ledger = ledger([message(.progress, "a", after: 0, offset: 500), message(.claim, "a", after: 1),
            message(.progress, "a", after: 2, offset: 200), message(.progress, "a", after: 3, offset: 100), message(.progress, "x", after: 4, offset: 900),
            message(.finished, "x", after: 5, offset: 900)])
        #expect(ledger.scan(.companies).nextOffset == 200)
        #expect(!ledger.isFinished(.companies))
    }

    @Test func theHoldersFinishedFinishesTheScanForGood() {
        let ledger = ledger([message(.claim, "a", after: 0), message(.finished, "a", after: 2, offset: 250), message(.claim, "b", after: 100)])
        #expect(ledger.isFinished(.companies))
        #expect(ledger.scan(.companies).holder == nil)
        #expect(ledger.scan(.companies).nextOffset == 250)
    }

    @Test func aMessageDatedFarAheadOfTheReaderIsIgnored() {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        ledger.apply(message(.claim, "x", after: 10_000), now: start)
        ledger.apply(message(.claim, "a", after: 1), now: start)
        #expect(ledger.scan(.companies).holder == "a")
    }

    @Test func aWaiterLearnsWhetherItsClaimWon() async {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        ledger.apply(message(.claim, "b", after: 0), now: start)
        let before = ledger.claimsRead(.companies)
        ledger.apply(message(.claim, "a", after: 1), now: start)
        #expect(await ledger.claimOutcome(.companies, after: before) == false)
        ledger.apply(message(.claim, "a", after: 40), now: start + 40)
        #expect(await ledger.claimOutcome(.companies, after: before + 1) == true)
    }

    @Test func aWaiterIsAnsweredWhenItsClaimIsReadLater() async {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        let before = ledger.claimsRead(.companies)
        async let won = ledger.claimOutcome(.companies, after: before)
        // The claim comes back from the journal after the waiter started waiting.
        try? await Task.sleep(for: .milliseconds(50))
        ledger.apply(message(.claim, "a", after: 0), now: start)
        #expect(await won == true)
    }

    @Test func aCancelledWaiterReturnsFalse() async {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        let won = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await ledger.claimOutcome(.companies, after: 0) }
            group.cancelAll()
            return await group.next() ?? true
        }
        #expect(won == false)
    }
}
