import TestSupport
import Testing
@testable import HipcallSync

@Suite struct IDCacheTests {
    private func key(_ id: String, _ resource: SyncResource = .companies) -> SyncKey {
        SyncKey(resource: resource, externalID: id)
    }

    @Test func getSetRemove() {
        let cache = IDCache(capacity: 4)
        #expect(cache.get(key("a")) == nil)
        cache.set(key("a"), 42)
        #expect(cache.get(key("a")) == 42)
        #expect(cache.get(key("a", .contacts)) == nil)
        cache.set(key("a"), 43)
        #expect(cache.get(key("a")) == 43)
        cache.remove(key("a"))
        #expect(cache.get(key("a")) == nil)
        #expect(cache.count == 0)
    }

    @Test func evictsTheLeastRecentlyUsed() {
        let cache = IDCache(capacity: 2)
        cache.set(key("a"), 1)
        cache.set(key("b"), 2)
        _ = cache.get(key("a"))  // b is now the least recently used
        cache.set(key("c"), 3)
        #expect(cache.count == 2)
        #expect(cache.get(key("b")) == nil)
        #expect(cache.get(key("a")) == 1)
        #expect(cache.get(key("c")) == 3)
    }

    @Test func staysBoundedUnderConcurrentUse() async {
        let cache = IDCache(capacity: 100)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in 0..<1000 { cache.set(key("\(worker)-\(index)"), Int64(index)) }
                }
            }
        }
        #expect(cache.count == 100)
    }
}

/// ``IDCache/waitForID(_:timeout:)``: resumed by `set`, never by polling.
@Suite struct IDCacheWaitTests {
    private let key = SyncKey(resource: .companies, externalID: "ERP-1")

    @Test func aWaiterIsResumedWhenTheIDIsSet() async {
        let cache = IDCache(capacity: 4)
        let waiter = Task { await cache.waitForID(key, timeout: .seconds(60)) }
        #expect(await eventually { cache.waiterCount == 1 })
        cache.set(SyncKey(resource: .contacts, externalID: "ERP-1"), 9)  // another key resumes nothing
        #expect(cache.waiterCount == 1)
        cache.set(key, 42)
        #expect(await waiter.value == 42)
        #expect(cache.waiterCount == 0)
    }

    @Test func aCachedIDIsReturnedAtOnce() async {
        let cache = IDCache(capacity: 4)
        cache.set(key, 7)
        #expect(await cache.waitForID(key, timeout: .seconds(60)) == 7)
    }

    @Test func theWaitTimesOutWhenNoIDComes() async {
        let cache = IDCache(capacity: 4)
        let started = ContinuousClock.now
        #expect(await cache.waitForID(key, timeout: .milliseconds(50)) == nil)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(cache.waiterCount == 0)
    }

    @Test func cancellationEndsTheWait() async {
        let cache = IDCache(capacity: 4)
        let started = ContinuousClock.now
        let waiter = Task { await cache.waitForID(key, timeout: .seconds(60)) }
        #expect(await eventually { cache.waiterCount == 1 })
        waiter.cancel()
        #expect(await waiter.value == nil)
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(cache.waiterCount == 0)
    }
}
