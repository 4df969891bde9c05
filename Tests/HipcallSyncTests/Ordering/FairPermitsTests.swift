import TestSupport
import Testing
@testable import HipcallSync

@Suite struct FairPermitsTests {
    @Test func waitersAheadAreServedFirstThenTheOthersInArrivalOrder() async {
        let permits = FairPermits(1)
        await permits.acquire()
        let served = Recorder<String>()
        var tasks: [Task<Void, Never>] = []
        for (name, ahead) in [("contact-1", false), ("company-1", true), ("contact-2", false), ("company-2", true)] {
            tasks.append(
                Task {
                    await permits.acquire(ahead: ahead)
                    await served.append(name)
                    permits.release()
                })
            // Let each waiter queue before the next one starts.
            try? await Task.sleep(for: .milliseconds(20))
        }
        permits.release()
        for task in tasks { await task.value }
        #expect(await served.items == ["company-1", "company-2", "contact-1", "contact-2"])
    }
}
