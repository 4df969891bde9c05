import Synchronization

/// What the fleet knows of its list scans, per resource: a scan is finished once every page of the
/// resource's list was read and journaled. Once a resource's scan is finished, a key the fleet does
/// not know (no id in the ``IDCache``) was not in Hipcall when the scan ran: its record is created with
/// a POST at once, without a lookup (a 422 `has already been taken` still falls back to the lookup).
/// The journal follower sets it; the upserter and the delivery handler read it.
final class ScanLedger: Sendable {
    private let finished = Mutex<Set<SyncResource>>([])

    /// Whether a scan of `resource` has finished.
    func isFinished(_ resource: SyncResource) -> Bool {
        finished.withLock { $0.contains(resource) }
    }

    /// Records that a scan of `resource` finished.
    func markFinished(_ resource: SyncResource) {
        finished.withLock { _ = $0.insert(resource) }
    }
}
