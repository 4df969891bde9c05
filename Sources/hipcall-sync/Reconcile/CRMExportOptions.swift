import ArgumentParser
import Foundation
import HipcallSyncOperations

/// The `--crm-export` of `reconcile` and `resync`: an NDJSON file of the CRM's current records, or `-`.
struct CRMExportOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "NDJSON export of the CRM's current records, one event-shaped line each ({\"type\", \"external_id\", \"data\"}); - for standard input.",
        valueName: "path"))
    var crmExport: String

    /// Reads and validates the export; a line without `occurred_at` gets the file's modification time
    /// (standard input: now). Every bad line is printed with its number before the command exits 2.
    func read() -> CRMExport {
        let data: Data
        var exportedAt = Date()
        if crmExport == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: crmExport) else {
                CommandFailure.exit("--crm-export \(crmExport): cannot read the file")
            }
            data = contents
            if let modified = (try? FileManager.default.attributesOfItem(atPath: crmExport))?[.modificationDate] as? Date {
                exportedAt = modified
            }
        }
        do throws(CRMExportError) {
            return try CRMExport.parse(Array(data), exportedAt: exportedAt)
        } catch {
            CommandFailure.exit("--crm-export \(crmExport): \(error.lines.count) bad line\(error.lines.count == 1 ? "" : "s")\n\(error)")
        }
    }
}
