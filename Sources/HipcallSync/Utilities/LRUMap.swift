/// A dictionary with a capacity that forgets its least recently used entry when full. Not thread-safe.
///
/// Recency is a monotonically increasing stamp per entry; eviction scans for the oldest stamp,
/// so `set` of a new key into a full map is O(capacity). Capacities here are thousands, and
/// eviction happens at most once per new key, which keeps this simpler than a linked list.
struct LRUMap<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private var entries: [Key: (value: Value, stamp: UInt64)] = [:]
    private var clock: UInt64 = 0
    let capacity: Int

    init(capacity: Int) {
        precondition(capacity > 0, "LRU capacity must be positive")
        self.capacity = capacity
    }

    var count: Int { entries.count }

    /// The value for `key`, marking it most recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let entry = entries[key] else { return nil }
        clock += 1
        entries[key] = (entry.value, clock)
        return entry.value
    }

    /// Stores `value`, evicting the least recently used entry if the map is full.
    mutating func set(_ key: Key, _ value: Value) {
        clock += 1
        if entries[key] == nil, entries.count >= capacity,
            let oldest = entries.min(by: { $0.value.stamp < $1.value.stamp })?.key
        {
            entries.removeValue(forKey: oldest)
        }
        entries[key] = (value, clock)
    }

    mutating func remove(_ key: Key) {
        entries.removeValue(forKey: key)
    }
}
