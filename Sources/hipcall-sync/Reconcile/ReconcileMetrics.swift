import AsyncHTTPClient
import Foundation
import HipcallSync
import HipcallSyncOperations
import NIOCore

/// `hipcall_sync_reconcile_findings{kind,resource}`: the findings of the last reconcile, a gauge per
/// kind and resource, in Prometheus text format: written to a file (node_exporter's textfile
/// collector; a temporary file renamed, so a scrape never reads half of it), or pushed to a
/// Pushgateway (a CronJob's run ends before any scrape).
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
        do {
            // Written to a temporary file of its own beside it, then renamed over it.
            try Data(text(report).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("warning: --metrics-file \(path): \(error.localizedDescription)\n".utf8))
        }
    }

    /// The Pushgateway job the gauge is pushed under.
    static let job = "hipcall_sync_reconcile"

    /// PUTs the text to `<gateway>/metrics/job/hipcall_sync_reconcile` (replacing the job's last push);
    /// a failure is reported on standard error and does not change the exit status.
    static func push(_ report: ReconcileReport, to gateway: String) async {
        let url = (gateway.hasSuffix("/") ? String(gateway.dropLast()) : gateway) + "/metrics/job/" + job
        var request = HTTPClientRequest(url: url)
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: "text/plain; version=0.0.4")
        request.body = .bytes(ByteBuffer(string: text(report)))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            guard (200..<300).contains(Int(response.status.code)) else {
                FileHandle.standardError.write(Data("warning: --pushgateway-url: \(url) answered HTTP \(response.status.code)\n".utf8))
                return
            }
        } catch {
            FileHandle.standardError.write(Data("warning: --pushgateway-url: cannot push to \(url): \(error)\n".utf8))
        }
    }
}
