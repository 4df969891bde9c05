import Synchronization

/// A bounded, thread-safe map from a record's key to Hipcall's numeric id, forgetting the least recently used.
public final class IDCache: Sendable {
    private let storage: Mutex<LRUMap<SyncKey, Int64>>

    /// - Parameter capacity: the most ids kept; the least recently used is forgotten beyond it.
    public init(capacity: Int = 10_000) {
        storage = Mutex(LRUMap(capacity: capacity))
    }

    /// The cached Hipcall id, marking the entry as recently used.
    public func get(_ key: SyncKey) -> Int64? {
        storage.withLock { $0.get(key) }
    }

    /// Caches `hipcallID` for `key`, e.g. after a create or lookup.
    public func set(_ key: SyncKey, _ hipcallID: Int64) {
        storage.withLock { $0.set(key, hipcallID) }
    }

    /// Forgets `key`, e.g. after a PATCH answered 404 or the record was re-keyed.
    public func remove(_ key: SyncKey) {
        storage.withLock { $0.remove(key) }
    }

    /// The number of cached ids.
    public var count: Int {
        storage.withLock { $0.count }
    }
}
