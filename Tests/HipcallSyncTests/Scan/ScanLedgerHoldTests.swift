import Foundation
import Synchronization
import TestSupport
import Testing
@testable import HipcallSync

/// Keys the fleet does not know wait for a scan that is planned or running, and only then.
@Suite struct ScanLedgerHoldTests {
    /// Starts `ledger.awaitScan` for the companies and returns a flag set once it returned.
    private func waiting(_ ledger: ScanLedger, in group: inout DiscardingTaskGroup) -> Flag {
        let returned = Flag()
        group.addTask {
            await ledger.awaitScan(.companies, atMost: .seconds(60))
            returned.set()
        }
        return returned
    }

    @Test func withNoScanPlannedOrRunningAKeyDoesNotWait() async {
        let ledger = ScanLedger(me: "a")
        let started = ContinuousClock.now
        await ledger.awaitScan(.companies, atMost: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(20), "no wait (a wrong one would last its 60 s bound)")
    }

    @Test func aKeyWaitsWhileThisWorkerPlansAndGoesOnOnceThePlanIsMade() async {
        let ledger = ScanLedger(me: "a")
        ledger.planning(.companies, until: .now + 60)
        await withDiscardingTaskGroup { group in
            let returned = waiting(ledger, in: &group)
            try? await Task.sleep(for: .milliseconds(300))
            #expect(!returned.isSet, "waits while the plan is being made")
            // The other resource's keys are not held.
            await ledger.awaitScan(.contacts, atMost: .seconds(60))
            ledger.planned(.companies)
            #expect(await eventually(timeout: .seconds(30)) { returned.isSet })
        }
    }

    @Test func aKeyWaitsWhileAPeerScansAndGoesOnWhenTheScanFinishes() async {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        ledger.apply(ScanMessage(.claim, .companies, worker: "b", at: .now, offset: 0))
        await withDiscardingTaskGroup { group in
            let returned = waiting(ledger, in: &group)
            ledger.apply(ScanMessage(.progress, .companies, worker: "b", at: .now, offset: 100))
            try? await Task.sleep(for: .milliseconds(300))
            #expect(!returned.isSet, "waits while the holder scans")
            ledger.apply(ScanMessage(.finished, .companies, worker: "b", at: .now, offset: 150))
            #expect(await eventually(timeout: .seconds(30)) { returned.isSet })
        }
    }

    @Test func aHolderSilentPastTheStaleLimitHoldsNoKey() async {
        let ledger = ScanLedger(me: "a", staleAfter: 30)
        ledger.apply(ScanMessage(.claim, .companies, worker: "b", at: .now - 31, offset: 0))
        let started = ContinuousClock.now
        await ledger.awaitScan(.companies, atMost: .seconds(60))
        #expect(ContinuousClock.now - started < .seconds(20), "no wait (a wrong one would last its 60 s bound)")
    }
}
