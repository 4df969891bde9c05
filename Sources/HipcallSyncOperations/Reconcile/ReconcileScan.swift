import Foundation
import Hipcall
import HipcallSync

/// The paced full scan reconcile compares with: both resources' lists read page by page
/// (`GET /<resource>?limit=100&sort=id.asc&offset=…`, ``PacedLister``) from where the state stopped,
/// each page added to the ``ReconcileState`` as it arrives. One call per page: the first page's
/// `meta.count` tells the size, so 10,000 records cost 100 calls.
public struct ReconcileScan {
    /// How far a scan has come, for a progress line.
    public struct Progress: Sendable {
        /// Records read so far, both resources (resumed ones included).
        public var scanned: Int
        /// Records the lists hold, as far as known (resources not reached yet count 0).
        public var total: Int
        /// Calls this run spent.
        public var calls: Int
        /// Resources whose size is not known yet.
        public var unknownResources: Int
    }

    /// The most records read per resource: an API answering full pages forever ends the scan with an error.
    public static let maxRecords = 1_000_000

    let lister: PacedLister

    public init(lister: PacedLister) {
        self.lister = lister
    }

    /// Reads what `state` has not read yet; returns the calls spent. `progress` is told after every page.
    public func run(into state: ReconcileState, progress: (Progress) -> Void = { _ in }) async throws(ReconcileScanError) -> Int {
        var calls = 0
        func report() {
            let scanned = SyncResource.allCases.reduce(0) { $0 + state.offset($1) }
            let total = SyncResource.allCases.reduce(0) { $0 + (state.finished.contains($1) ? state.offset($1) : max(state.counts[$1] ?? 0, state.offset($1))) }
            let unknown = SyncResource.allCases.filter { state.counts[$0] == nil && !state.finished.contains($0) }.count
            progress(Progress(scanned: scanned, total: total, calls: calls, unknownResources: unknown))
        }
        report()
        for resource in SyncResource.allCases where !state.finished.contains(resource) {
            while true {
                let offset = state.offset(resource)
                guard offset < Self.maxRecords else { throw .endless(resource) }
                let page: HipcallPage
                do throws(ListCallError) {
                    page = try await lister.page(resource, offset: offset)
                } catch {
                    throw .call(error)
                }
                calls += 1
                // Pages in id order follow each other: a list that repeats rows (an offset ignored) or
                // is out of order would make records look missing, duplicated or orphaned.
                let ids = page.records.map(\.id)
                let after = state.rows[resource]?.last?.id ?? .min
                guard zip([after] + ids, ids).allSatisfy({ $0 < $1 }) else { throw .unordered(resource, offset: offset) }
                // Hipcall's count is a hint for the progress line, bounded like the scan; only a page that is
                // not full ends the list (a stale, low count must not make the records after it look missing).
                let count = page.count.map { Int(clamping: min(max(0, $0), Int64(Self.maxRecords))) }
                let ended = page.records.count < PacedLister.pageSize
                do throws(ReconcileStateError) {
                    try state.add(page.records, count: count, of: resource, ended: ended)
                } catch {
                    throw .state(error)
                }
                report()
                if ended { break }
            }
        }
        return calls
    }
}

/// Why a scan stopped: a call that failed, a state file that could not be written, a list without end or out of order.
public enum ReconcileScanError: Error, Sendable, CustomStringConvertible {
    case call(ListCallError)
    case state(ReconcileStateError)
    case endless(SyncResource)
    case unordered(SyncResource, offset: Int)

    public var description: String {
        switch self {
        case .call(let error): "\(error)"
        case .state(let error): "\(error)"
        case .endless(let resource):
            "GET /\(resource.rawValue) kept answering full pages past \(ReconcileScan.maxRecords) records"
        case .unordered(let resource, let offset):
            "GET /\(resource.rawValue)?sort=\(HipcallObservations.scanSort)&offset=\(offset) answered ids that do not follow the pages before"
                + " (an offset or sort ignored): the scan cannot be trusted"
        }
    }
}
