import Hipcall
import HipcallJSON
import HipcallSync
import SyntheticLoad

/// The final report of a publish run, as text for people or JSON for scripts.
struct PublishReport {
    let exchange: String
    let tally: PublishPipeline.Tally
    /// Synthetic runs: the seed that reproduces them, and how many duplicates and invalid events they held.
    let seed: UInt64?
    let duplicates: Int
    let invalid: Int

    var rate: Double {
        let seconds = tally.elapsed.timeInterval
        return seconds > 0 ? Double(tally.confirmed + tally.returned) / seconds : 0
    }

    /// Whether every event was confirmed (none returned, nacked or lost to a failure).
    var succeeded: Bool {
        tally.failure == nil && tally.returned == 0 && tally.nacked == 0 && tally.confirmed == tally.published
    }

    /// The `fraction` percentile of confirm latency in milliseconds (nearest rank), 0 with no samples.
    func latencyMilliseconds(_ fraction: Double, sorted: [Duration]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)].timeInterval * 1000
    }

    var text: String {
        let sorted = tally.latencies.sorted()
        var lines = [
            "published \(tally.published) events to \(exchange) in \(format(tally.elapsed.timeInterval)) s",
            "confirmed \(tally.confirmed), returned \(tally.returned), nacked \(tally.nacked)",
            "rate \(Int(rate.rounded())) events/s",
            "confirm latency p50 \(format(latencyMilliseconds(0.5, sorted: sorted))) ms, p99 \(format(latencyMilliseconds(0.99, sorted: sorted))) ms",
        ]
        if let seed { lines.append("seed \(seed) (\(duplicates) duplicates, \(invalid) invalid)") }
        if let failure = tally.failure { lines.append("failed: \(failure)") }
        return lines.joined(separator: "\n")
    }

    var json: JSONValue {
        let sorted = tally.latencies.sorted()
        var object: [String: JSONValue] = [
            "exchange": .string(exchange),
            "published": .int(Int64(tally.published)),
            "confirmed": .int(Int64(tally.confirmed)),
            "returned": .int(Int64(tally.returned)),
            "nacked": .int(Int64(tally.nacked)),
            "seconds": .double(tally.elapsed.timeInterval),
            "rate": .double(rate),
            "latency_ms": .object([
                "p50": .double(latencyMilliseconds(0.5, sorted: sorted)), "p99": .double(latencyMilliseconds(0.99, sorted: sorted)),
            ]),
            "ok": .bool(succeeded),
        ]
        if let seed {
            object["seed"] = .string(String(seed))
            object["duplicates"] = .int(Int64(duplicates))
            object["invalid"] = .int(Int64(invalid))
        }
        if let failure = tally.failure { object["error"] = .string("\(failure)") }
        return .object(object)
    }

    private func format(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = String(hundredths % 100)
        return "\(hundredths / 100)." + (fraction.count < 2 ? "0" + fraction : fraction)
    }
}
