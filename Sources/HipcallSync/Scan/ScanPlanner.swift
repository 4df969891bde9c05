import Hipcall

/// Chooses, for the keys the fleet has never seen, between a lookup per key and a list scan of the
/// resource, by what each costs in API calls (the only figure that matters at 60 requests a minute).
///
/// - A scan costs one count call (`limit=1` answers `meta.count`) plus a page per
///   ``HipcallObservations/maxPageSize`` records not read yet (at least one).
/// - Lookups cost about one call per unknown key in the backlog. The worker sees only how many
///   messages wait (ready in the queues, or held by the workers), not their keys: a message is
///   estimated at ``lookupsPerMessage`` unknown keys
///   (duplicates of one key, keys the fleet knows already, and the other resource's events all make
///   a message count for less than one lookup). The estimate is the whole backlog for each resource.
///
/// A worker spends the count call once per resource whatever its backlog (one call), because it
/// tells whether the account is small enough to read whole: an account of at most
/// ``smallAccountPages`` pages (an empty one included) is always scanned, after which every new key
/// costs one POST instead of a lookup and a POST, also for a steady stream that never builds a
/// backlog. Later counts are spent only for a backlog of ``minBacklog`` messages or more. A
/// million-record account with a backlog of 50 is therefore counted once and never scanned, one with
/// a backlog of 1,000 is not scanned either (10,001 calls against 500), and a 10,000-record account
/// with a backlog of thousands is scanned (101 calls).
struct ScanPlanner: Sendable, Equatable {
    /// The fewest queued messages for which the count call is spent again, and a scan of more than
    /// ``smallAccountPages`` considered.
    var minBacklog = 100
    /// Accounts of at most this many pages are scanned once counted, whatever the backlog.
    var smallAccountPages = 2
    /// Unknown keys estimated per queued message.
    var lookupsPerMessage = 0.5

    /// The lookups the backlog is estimated to cost.
    func lookupCost(backlog: Int) -> Int {
        Int((Double(max(0, backlog)) * lookupsPerMessage).rounded(.down))
    }

    /// What a scan of `count` records costs from `offset` on: the count call and the pages left (at
    /// least one: the scan ends on a page that is not full).
    func scanCost(count: Int, from offset: Int = 0) -> Int {
        let left = max(0, count - max(0, offset))
        let page = HipcallObservations.maxPageSize
        return 1 + max(1, (left + page - 1) / page)
    }

    /// Whether the count call is worth spending: for this worker's first count of the resource
    /// always, and again only for a backlog of ``minBacklog`` or more.
    func spendsCount(backlog: Int, countedBefore: Bool) -> Bool {
        !countedBefore || backlog >= minBacklog
    }

    /// Whether to scan the `count` records from `offset` on: a small account always; a larger one
    /// when the scan costs less than looking the backlog's keys up.
    func scans(backlog: Int, count: Int, from offset: Int = 0) -> Bool {
        let pages = scanCost(count: count, from: offset) - 1
        if pages <= smallAccountPages { return true }
        return backlog >= minBacklog && scanCost(count: count, from: offset) < lookupCost(backlog: backlog)
    }
}
