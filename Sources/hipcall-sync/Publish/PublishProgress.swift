import Foundation
import HipcallSync
import Synchronization

/// Live counters of a publish run, shared between the publishing loop and the progress line.
final class PublishProgress: Sendable {
    let total: Int
    let published = Atomic<Int>(0)
    let confirmed = Atomic<Int>(0)
    let returned = Atomic<Int>(0)
    let nacked = Atomic<Int>(0)
    let started = ContinuousClock.now

    init(total: Int) {
        self.total = total
    }

    /// The progress line, such as `  120,000/200,000 published  118,000 confirmed  0 returned  0 nacked  24,310/s`.
    func line() -> String {
        let confirmed = confirmed.load(ordering: .relaxed)
        let seconds = (ContinuousClock.now - started).timeInterval
        let rate = seconds > 0 ? Double(confirmed) / seconds : 0
        return "  \(published.load(ordering: .relaxed))/\(total) published  \(confirmed) confirmed  "
            + "\(returned.load(ordering: .relaxed)) returned  \(nacked.load(ordering: .relaxed)) nacked  \(Int(rate))/s"
    }
}

