import Foundation
import Hipcall
import HipcallJSON
import Hummingbird

/// The `/_sim/` endpoints for tests and benchmarks: no auth, not rate limited, not counted.
///
/// - `GET /_sim/stats`: counts by method, route and status.
/// - `POST /_sim/reset`: empties every account, rate-limit window and count.
/// - `GET /_sim/accounts/{token}/records`: `{"companies": [...], "contacts": [...]}`.
/// - `PUT /_sim/accounts/{token}`: adds an empty account.
/// - `GET`/`PUT /_sim/faults`: `{"latency_ms", "jitter_ms", "error_rate", "stall_rate", "stall_seconds"}`.
/// - `GET`/`PUT /_sim/rate-limit`: `{"per_minute": N}`.
struct IntrospectionHandler: Sendable {
    let engine: SimulatorEngine

    /// Answers a request whose raw path below `/_sim` is `segments`.
    func answer(_ request: Request, segments: ArraySlice<Substring>) async -> SimulatorAnswer {
        let parts = segments.map { PathSegment.decode($0) ?? String($0) }
        switch (request.method, parts.count) {
        case (.get, 1) where parts[0] == "stats":
            return .json(engine.counter.snapshot.json)
        case (.post, 1) where parts[0] == "reset":
            engine.store.reset()
            engine.counter.reset()
            return .json(.object(["reset": .bool(true)]))
        case (.get, 3) where parts[0] == "accounts" && parts[2] == "records":
            guard let dump = engine.store.dump(token: parts[1]) else { return .notFound }
            return .json(.object(["companies": .array(dump.companies.map(\.json)), "contacts": .array(dump.contacts.map(\.json))]))
        case (.put, 2) where parts[0] == "accounts", (.post, 2) where parts[0] == "accounts":
            let added = engine.store.addAccount(token: parts[1])
            return .json(.object(["added": .bool(added)]), status: added ? .created : .ok)
        case (.get, 1) where parts[0] == "faults":
            return .json(Self.json(engine.faults.withLockedValue { $0 }))
        case (.put, 1) where parts[0] == "faults":
            guard let body = await SimulatorEngine.jsonObject(request),
                  let faults = Self.merge(body, into: engine.faults.withLockedValue { $0 })
            else { return .badRequest }
            engine.faults.withLockedValue { $0 = faults }
            return .json(Self.json(faults))
        case (.get, 1) where parts[0] == "rate-limit":
            return .json(.object(["per_minute": .int(Int64(engine.store.ratePerMinute))]))
        case (.put, 1) where parts[0] == "rate-limit":
            guard let body = await SimulatorEngine.jsonObject(request), let limit = body["per_minute"]?.intValue, limit >= 0 else {
                return .badRequest
            }
            engine.store.ratePerMinute = Int(limit)
            return .json(.object(["per_minute": .int(limit)]))
        default:
            return .notFound
        }
    }

    /// The faults as their JSON object.
    static func json(_ faults: SimulatorFaults) -> JSONValue {
        .object([
            "latency_ms": .int(Int64(faults.latencyMs)), "jitter_ms": .int(Int64(faults.jitterMs)),
            "error_rate": .double(faults.errorRate), "stall_rate": .double(faults.stallRate),
            "stall_seconds": .double(faults.stallSeconds),
        ])
    }

    /// `faults` with the members of `body` applied; `nil` if one has the wrong type or range.
    static func merge(_ body: [String: JSONValue], into faults: SimulatorFaults) -> SimulatorFaults? {
        var faults = faults
        func number(_ key: String) -> Double?? {
            switch body[key] {
            case nil: .some(nil)
            case .int(let value)?: .some(Double(value))
            case .double(let value)?: .some(value)
            default: nil
            }
        }
        guard let latency = number("latency_ms"), let jitter = number("jitter_ms"), let errorRate = number("error_rate"),
              let stallRate = number("stall_rate"), let stallSeconds = number("stall_seconds")
        else { return nil }
        if let latency { faults.latencyMs = Int(latency) }
        if let jitter { faults.jitterMs = Int(jitter) }
        if let errorRate { faults.errorRate = errorRate }
        if let stallRate { faults.stallRate = stallRate }
        if let stallSeconds { faults.stallSeconds = stallSeconds }
        guard faults.latencyMs >= 0, faults.jitterMs >= 0, (0...1).contains(faults.errorRate), (0...1).contains(faults.stallRate),
              faults.stallSeconds >= 0
        else { return nil }
        return faults
    }
}
