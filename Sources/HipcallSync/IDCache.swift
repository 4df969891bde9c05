import Synchronization

/// A bounded, thread-safe map from a record's key to Hipcall's numeric id, forgetting the least recently used.
public final class IDCache: Sendable {
    private let storage: Mutex<LRUMap<SyncKey, Int64>>

    public init(capacity: Int = 10_000) {
        storage = Mutex(LRUMap(capacity: capacity))
    }

    public func get(_ key: SyncKey) -> Int64? {
        storage.withLock { $0.get(key) }
    }

    public func set(_ key: SyncKey, _ hipcallID: Int64) {
        storage.withLock { $0.set(key, hipcallID) }
    }

    public func remove(_ key: SyncKey) {
        storage.withLock { $0.remove(key) }
    }

    public var count: Int {
        storage.withLock { $0.count }
    }
}
