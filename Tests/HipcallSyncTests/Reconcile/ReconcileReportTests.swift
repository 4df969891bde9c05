import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
@testable import HipcallSyncOperations
import Testing

@Suite struct ReconcileReportTests {
    static func report() throws -> ReconcileReport {
        let export = try ReconcileComparisonTests.export(ReconcileComparisonTests.lines)
        let state = ReconcileState(scannedAt: Date(timeIntervalSince1970: 1_795_611_480))
        try state.add(ReconcileComparisonTests.companies, count: 7, of: .companies, ended: true)
        try state.add(ReconcileComparisonTests.contacts, count: 3, of: .contacts, ended: true)
        let outcome = ReconcileComparison.compare(
            export, companies: state.rows[.companies] ?? [], contacts: state.rows[.contacts] ?? [])
        return ReconcileReport(outcome: outcome, export: export, state: state, calls: 2)
    }

    @Test func theSummaryCountsEachKindPerResource() throws {
        let summary = try Self.report().summary(repair: ["events": 3]).objectValue ?? [:]
        #expect(summary["kind"] == "summary" && summary["drifted"] == true && summary["calls"] == 2)
        #expect(summary["findings"]?.objectValue?["orphan"] == ["companies": 2, "contacts": 0])
        #expect(summary["findings"]?.objectValue?["different"] == ["companies": 1, "contacts": 1])
        #expect(summary["crm_records"] == ["companies": 5, "contacts": 3])
        #expect(summary["hipcall_records"] == ["companies": 7, "contacts": 3])
        #expect(summary["unverified_fields"] == 1)
        #expect(summary["scanned_at"] == "2026-11-25T12:58:00.000Z")
        #expect(summary["repair"] == ["events": 3])
    }

    @Test func theTableShowsEachFindingAndItsFields() throws {
        let report = try Self.report()
        let lines = report.table.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("KIND") == true)
        #expect(lines.contains { $0.hasPrefix("different") && $0.contains("ERP-2") && $0.contains(#"name: "Globex" → "Globex Corp""#) })
        #expect(lines.contains { $0.hasPrefix("duplicate") && $0.contains("hipcall ids 4, 5") })
        #expect(lines.last?.hasPrefix("DRIFTED: 6 findings, 2 calls") == true)
        #expect(report.findingLines.split(separator: "\n").count == 6)
    }
}
