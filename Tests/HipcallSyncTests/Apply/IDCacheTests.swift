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
