import AMQPClient
import Hipcall
import HipcallJSON

/// One presence heartbeat (see ``FleetPresence``): the sending worker, whether it spends API calls,
/// and the budget as it last learned it. A balancing probe carries only the sender. Anyone who can
/// publish to the presence exchange writes these headers: each is read bounded, and one that is
/// missing or unusable is left out, never trusted.
struct Heartbeat: Sendable, Equatable {
    var sender: String
    /// Whether the sender spends API calls; nil when it did not say (a probe, an older version).
    var active: Bool?
    /// The budget as the sender knows it; nil when it knows none or the headers are unusable.
    var budget: RateLimiter.BudgetView?

    private typealias Header = SyncHeaders.Presence

    init(sender: String, active: Bool?, budget: RateLimiter.BudgetView?) {
        self.sender = sender
        self.active = active
        self.budget = budget
    }

    /// Reads a heartbeat or probe; nil when it names no sender.
    init?(headers: AMQPTable) {
        var reader = HeaderReader(headers)
        guard let sender = reader.text(SyncHeaders.probe, maxBytes: DeliveryHeaders.maxRoutingKeyBytes), !sender.isEmpty else { return nil }
        self.sender = sender
        active = reader.integer(SyncHeaders.apiActive, in: 0...1).map { $0 == 1 }
        let unixSeconds: ClosedRange<Int64> = 0...Int64(RFC3339.representableSeconds.upperBound)
        let counts = Int64(HipcallRateLimit.maxLimit)
        if let limit = reader.integer(Header.limit, in: 1...counts), let remaining = reader.integer(Header.remaining, in: 0...counts),
            let reset = reader.integer(Header.reset, in: unixSeconds)
        {
            budget = RateLimiter.BudgetView(
                limit: Int(limit), remaining: Int(min(remaining, limit)), reset: reset,
                blockedUntil: reader.integer(Header.blockedUntil, in: unixSeconds))
        } else {
            budget = nil
        }
    }

    /// The heartbeat as message properties.
    var properties: AMQPProperties {
        var headers: AMQPTable = [SyncHeaders.probe: .string(sender)]
        if let active { headers[SyncHeaders.apiActive] = .int(active ? 1 : 0) }
        if let budget {
            headers[Header.limit] = .int(Int64(budget.limit))
            headers[Header.remaining] = .int(Int64(budget.remaining))
            headers[Header.reset] = .int(budget.reset)
            if let blocked = budget.blockedUntil { headers[Header.blockedUntil] = .int(blocked) }
        }
        return AMQPProperties(headers: headers)
    }
}
