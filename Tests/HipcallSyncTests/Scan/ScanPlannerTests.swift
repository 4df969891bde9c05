import Testing
@testable import HipcallSync

/// The choice between lookups and a list scan, by calls.
@Suite struct ScanPlannerTests {
    let planner = ScanPlanner()

    @Test func aMillionRecordsWithABacklogOf50AreCountedOnceAndNotScanned() {
        #expect(planner.spendsCount(backlog: 50, countedBefore: false))
        #expect(!planner.spendsCount(backlog: 50, countedBefore: true))
        #expect(!planner.scans(backlog: 50, count: 1_000_000))
    }

    @Test func aMillionRecordsWithABacklogOfThousandsAreCountedButNotScanned() {
        #expect(planner.spendsCount(backlog: 5_000, countedBefore: true))
        #expect(planner.scanCost(count: 1_000_000) == 10_001)
        #expect(!planner.scans(backlog: 5_000, count: 1_000_000))
    }

    @Test func tenThousandRecordsWithABacklogTouchingThousandsAreScanned() {
        #expect(planner.scanCost(count: 10_000) == 101)
        #expect(planner.scans(backlog: 3_000, count: 10_000))
    }

    @Test func theCountCallIsSpentAgainFromTheThresholdOn() {
        #expect(!planner.spendsCount(backlog: planner.minBacklog - 1, countedBefore: true))
        #expect(planner.spendsCount(backlog: planner.minBacklog, countedBefore: true))
        // A larger account below it is not scanned; at it, when the scan is cheaper.
        #expect(!planner.scans(backlog: planner.minBacklog - 1, count: 1_000))
        #expect(!planner.scans(backlog: planner.minBacklog, count: 10_000))
    }

    @Test func aSmallAccountIsScannedWhateverTheBacklog() {
        // Empty, one page, two pages: every new key is then one POST, also in a steady stream.
        #expect(planner.scans(backlog: 0, count: 0))
        #expect(planner.scans(backlog: 1, count: 100))
        #expect(planner.scans(backlog: 1, count: 200))
        #expect(!planner.scans(backlog: 1, count: 201))
    }

    @Test func theScanMustCostLessThanTheLookups() {
        // 200 messages: 100 lookups. A scan of 9,800 records costs 1 + 98 = 99 calls; 9,900 records 100.
        #expect(planner.lookupCost(backlog: 200) == 100)
        #expect(planner.scans(backlog: 200, count: 9_800))
        #expect(!planner.scans(backlog: 200, count: 9_900))
    }

    @Test func aResumedScanCountsOnlyThePagesLeft() {
        #expect(planner.scanCost(count: 10_000, from: 9_000) == 11)
        #expect(planner.scanCost(count: 10_001, from: 10_000) == 2)
        #expect(planner.scanCost(count: 100, from: 500) == 2)
        #expect(!planner.scans(backlog: 400, count: 100_000))
        #expect(planner.scans(backlog: 400, count: 100_000, from: 99_000))
    }

    @Test func anEmptyAccountCostsTheCountAndOnePage() {
        #expect(planner.scanCost(count: 0) == 2)
        #expect(planner.scanCost(count: 100) == 2)
        #expect(planner.scanCost(count: 101) == 3)
        #expect(planner.lookupCost(backlog: -5) == 0)
    }
}
