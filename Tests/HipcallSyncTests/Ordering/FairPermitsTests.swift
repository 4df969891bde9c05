import TestSupport
import Testing
@testable import HipcallSync

@Suite struct FairPermitsTests {
    @Test func waitersAheadAreServedFirstThenTheOthersInArrivalOrder() async {
        let permits = FairPermits(1)
        await permits.acquire()
        let served = Recorder<String>()
        var tasks: [Task<Void, Never>] = []
        for (index, (name, ahead)) in [("contact-1", false), ("company-1", true), ("contact-2", false), ("company-2", true)].enumerated() {
            tasks.append(
                Task {
                    await permits.acquire(ahead: ahead)
                    await served.append(name)
                    permits.release()
                })
            // Each waiter is queued before the next one starts: the queue order is the loop's.
            #expect(await eventually { permits.waiterCount == index + 1 }, "\(name) queued")
        }
        permits.release()
        for task in tasks { await task.value }
        #expect(await served.items == ["company-1", "company-2", "contact-1", "contact-2"])
        #expect(permits.waiterCount == 0)
    }
}
