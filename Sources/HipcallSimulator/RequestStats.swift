import Hipcall
import HipcallJSON
import NIOConcurrencyHelpers

/// Counts of API requests the simulator answered, by method, route template and status.
public struct SimulatorStats: Sendable, Hashable {
    /// One counted combination.
    struct Entry: Sendable, Hashable {
        public var method: String
        /// Route template, e.g. `/api/v3/companies/by-external-id/:external_id`, or `unmatched`.
        public var route: String
        public var status: Int
        public var count: Int
    }

    /// Every combination seen, sorted by route, method and status.
    var entries: [Entry]

    /// All API requests counted.
    public var total: Int { entries.reduce(0) { $0 + $1.count } }

    /// Requests matching every filter given.
    public func count(method: String? = nil, route: String? = nil, status: Int? = nil) -> Int {
        entries.filter { entry in
            (method.map { $0 == entry.method } ?? true) && (route.map { $0 == entry.route } ?? true)
                && (status.map { $0 == entry.status } ?? true)
        }.reduce(0) { $0 + $1.count }
    }

    /// `{"total": N, "by_status": {"200": N}, "requests": [{"method", "route", "status", "count"}]}`.
    var json: JSONValue {
        var byStatus: [String: JSONValue] = [:]
        for entry in entries { byStatus[String(entry.status)] = .int((byStatus[String(entry.status)]?.intValue ?? 0) + Int64(entry.count)) }
        return .object([
            "total": .int(Int64(total)),
            "by_status": .object(byStatus),
            "requests": .array(entries.map { entry in
                .object(["method": .string(entry.method), "route": .string(entry.route), "status": .int(Int64(entry.status)), "count": .int(Int64(entry.count))])
            }),
        ])
    }
}

/// The live counters behind `SimulatorStats`.
final class RequestCounter: Sendable {
    private struct Key: Hashable {
        var method: String
        var route: String
        var status: Int
    }

    private let counts = NIOLockedValueBox<[Key: Int]>([:])

    /// Counts one answered request.
    func record(method: String, route: String, status: Int) {
        counts.withLockedValue { $0[Key(method: method, route: route, status: status), default: 0] += 1 }
    }

    /// A copy of the counts.
    var snapshot: SimulatorStats {
        let entries = counts.withLockedValue { $0 }.map { SimulatorStats.Entry(method: $0.key.method, route: $0.key.route, status: $0.key.status, count: $0.value) }
        return SimulatorStats(entries: entries.sorted { ($0.route, $0.method, $0.status) < ($1.route, $1.method, $1.status) })
    }

    /// Sets every count back to zero.
    func reset() {
        counts.withLockedValue { $0 = [:] }
    }
}
