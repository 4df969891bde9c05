import Hipcall

/// Reads a resource's list page by page in the scan's order for an operator tool (reconcile), every
/// call through a ``HipcallCaller``: 429s waited out, and paced by a ``RateLimiter`` that spends only
/// `budgetShare` of what Hipcall's `x-ratelimit-*` headers report as left, so a running fleet keeps
/// the rest of the token's budget.
public struct PacedLister: Sendable {
    private let caller: HipcallCaller

    /// The rows a page holds: Hipcall's largest `limit`.
    public static let pageSize = HipcallObservations.maxPageSize

    /// - Parameter budgetShare: the part of the budget left that this lister spends, in (0, 1].
    public init(client: HipcallClient, budgetShare: Double) {
        caller = HipcallCaller(client: client, limiter: RateLimiter(budgetShare: budgetShare), metrics: WorkerMetrics())
    }

    /// The pauses before each new try of a page whose call failed transiently (a timeout, a 5xx):
    /// an operator's scan rides out a short outage instead of stopping.
    static let retryDelays: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16)]

    /// The page of ``pageSize`` rows from `offset`, with `meta.count`.
    public func page(_ resource: SyncResource, offset: Int) async throws(ListCallError) -> HipcallPage {
        let route = "GET /\(resource.rawValue)"
        var retries = Self.retryDelays[...]
        while true {
            let page: HipcallPage?
            do throws(SyncFailure) {
                page = try await caller.listPage(resource, limit: Self.pageSize, offset: offset)
            } catch {
                if case .transient = error, let delay = retries.popFirst() {
                    do { try await Task.sleep(for: delay) } catch { throw ListCallError(route: route, status: nil, reason: "cancelled") }
                    continue
                }
                throw ListCallError(route: route, status: error.status, reason: error.description)
            }
            guard let page else { throw ListCallError(route: route, status: nil, reason: "no page in the answer") }
            return page
        }
    }
}

/// A list call that failed after its retries: the route, the HTTP status if one came, and why.
public struct ListCallError: Error, Sendable, Hashable, CustomStringConvertible {
    public let route: String
    public let status: Int?
    public let reason: String

    public var description: String { "\(route) failed\(status.map { " (HTTP \($0))" } ?? ""): \(reason)" }
}
