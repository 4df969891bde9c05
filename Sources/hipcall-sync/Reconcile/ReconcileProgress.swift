import Foundation
import HipcallSync
import HipcallSyncOperations
import Synchronization

/// The scan's progress as the progress line shows it: records scanned of the known total, calls
/// spent, and an ETA from the time per call so far.
final class ReconcileProgress: Sendable {
    private let latest = Mutex<ReconcileScan.Progress?>(nil)
    private let started = ContinuousClock.now

    /// Takes in the scan's progress after a page.
    func update(_ progress: ReconcileScan.Progress) {
        latest.withLock { $0 = progress }
    }

    /// Such as `  scanning: 4,200/10,000 records  42 calls  ETA 3m 52s`.
    func line() -> String {
        guard let progress = latest.withLock({ $0 }) else { return "  scanning: starting" }
        var text = "  scanning: \(progress.scanned)/\(progress.total)\(progress.unknownResources > 0 ? "+" : "") records  \(progress.calls) calls"
        let elapsed = (ContinuousClock.now - started).timeInterval
        if progress.calls > 0, progress.unknownResources == 0 {
            let pagesLeft = (max(progress.total - progress.scanned, 0) + PacedLister.pageSize - 1) / PacedLister.pageSize
            let seconds = Int((Double(pagesLeft) * elapsed / Double(progress.calls)).rounded())
            text += "  ETA \(seconds / 60)m \(seconds % 60)s"
        }
        return text
    }
}
