/// Where a ``RecordWriter`` keeps the Hipcall ids it finds or creates: the engine's ``IDCache``, or
/// nowhere for the guide's loop (``NoIDStore``), which looks every record up again.
protocol IDStore: Sendable {
    /// Keeps `hipcallID` as `key`'s id.
    func set(_ key: SyncKey, _ hipcallID: Int64)
    /// Forgets `key`'s id (its record was re-keyed).
    func remove(_ key: SyncKey)
}

/// Keeps no id: the guide's loop.
struct NoIDStore: IDStore {
    func set(_ key: SyncKey, _ hipcallID: Int64) {}
    func remove(_ key: SyncKey) {}
}
