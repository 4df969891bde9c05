import Foundation
import HipcallSync
import HipcallSyncOperations

/// `hipcall_sync_reconcile_findings{kind,resource}`: the findings of the last reconcile, a gauge per
/// kind and resource, written as a Prometheus text file (for node_exporter's textfile collector, or
/// to push to a Pushgateway from a CronJob). Written to a temporary file and renamed, so a scrape
/// never reads half of it.
enum ReconcileMetrics {
    static let name = "hipcall_sync_reconcile_findings"

    /// The text exposition of the report's counts.
    static func text(_ report: ReconcileReport) -> String {
        var lines = [
            "# HELP \(name) Findings of the last reconcile run, by kind and resource.",
            "# TYPE \(name) gauge",
        ]
        for kind in ReconcileFinding.Kind.allCases {
            for resource in SyncResource.allCases {
                lines.append("\(name){kind=\"\(kind.rawValue)\",resource=\"\(resource.rawValue)\"} \(report.count(kind, resource))")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Writes the file; a failure is reported on standard error and does not change the exit status.
    static func write(_ report: ReconcileReport, to path: String) {
        let temporary = path + ".tmp"
        do {
            try Data(text(report).utf8).write(to: URL(fileURLWithPath: temporary))
            _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: path), withItemAt: URL(fileURLWithPath: temporary))
        } catch {
            FileHandle.standardError.write(Data("warning: --metrics-file \(path): \(error.localizedDescription)\n".utf8))
        }
    }
}
