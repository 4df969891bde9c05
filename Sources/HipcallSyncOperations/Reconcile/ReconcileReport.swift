import Foundation
import HipcallJSON
import HipcallSync

/// What reconcile tells: every finding and a closing summary, as a table for people or as NDJSON
/// for scripts (one object per finding, then `{"kind": "summary", …}`).
public struct ReconcileReport: Sendable {
    public let findings: [ReconcileFinding]
    /// Managed fields the Hipcall rows did not show (not compared).
    public let unverifiedFields: Int
    /// Records of the export, per resource.
    public let crmRecords: [SyncResource: Int]
    /// Records the scan read, per resource.
    public let hipcallRecords: [SyncResource: Int]
    /// List calls this run spent.
    public let calls: Int
    public let scannedAt: Date

    public init(
        outcome: ReconcileComparison.Outcome, export: CRMExport, state: ReconcileState, calls: Int
    ) {
        findings = outcome.findings
        unverifiedFields = outcome.unverifiedFields
        var crmRecords: [SyncResource: Int] = [:]
        for record in export.records { crmRecords[record.event.resource, default: 0] += 1 }
        self.crmRecords = crmRecords
        hipcallRecords = Dictionary(uniqueKeysWithValues: SyncResource.allCases.map { ($0, state.offset($0)) })
        self.calls = calls
        scannedAt = state.scannedAt
    }

    /// Whether anything drifted (the command exits 1 then).
    public var drifted: Bool { !findings.isEmpty }

    /// How many findings of `kind` for `resource`.
    public func count(_ kind: ReconcileFinding.Kind, _ resource: SyncResource) -> Int {
        findings.count { $0.kind == kind && $0.resource == resource }
    }

    /// The closing summary object; `repair` says what `--repair` published (or would have).
    public func summary(repair: JSONValue? = nil) -> JSONValue {
        func perResource(_ counts: [SyncResource: Int]) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: SyncResource.allCases.map { ($0.rawValue, .int(Int64(counts[$0] ?? 0))) }))
        }
        var byKind: [String: JSONValue] = [:]
        for kind in ReconcileFinding.Kind.allCases {
            byKind[kind.rawValue] = perResource(Dictionary(uniqueKeysWithValues: SyncResource.allCases.map { ($0, count(kind, $0)) }))
        }
        var summary: [String: JSONValue] = [
            "kind": .string("summary"),
            "drifted": .bool(drifted),
            "findings": .object(byKind),
            "crm_records": perResource(crmRecords),
            "hipcall_records": perResource(hipcallRecords),
            "calls": .int(Int64(calls)),
            "unverified_fields": .int(Int64(unverifiedFields)),
            "scanned_at": .string(Self.time(scannedAt)),
        ]
        if let repair { summary["repair"] = repair }
        return .object(summary)
    }

    /// One JSON object per finding, a line each (the summary follows them, after any repair lines).
    public var findingLines: String {
        findings.map { $0.json.jsonText + "\n" }.joined()
    }

    /// The findings as a table (fields as `name: CRM → Hipcall`), then one summary line per resource.
    public var table: String {
        var rows = [["KIND", "RESOURCE", "EXTERNAL_ID", "HIPCALL_ID", "FIELDS (CRM → HIPCALL)"]]
        for finding in findings {
            let fields: String
            switch finding.kind {
            case .different: fields = finding.fields.map { "\($0.field): \($0.crm.jsonText) → \($0.hipcall.jsonText)" }.joined(separator: "; ")
            case .duplicate: fields = "hipcall ids " + finding.hipcallIDs.map(String.init).joined(separator: ", ")
            case .missing, .orphan: fields = ""
            }
            rows.append([
                finding.kind.rawValue, finding.resource.rawValue, finding.externalID.map(Self.shown) ?? "-",
                finding.hipcallID.map(String.init) ?? "-", fields,
            ])
        }
        var lines = findings.isEmpty ? [] : Self.aligned(rows)
        for resource in SyncResource.allCases {
            let kinds = ReconcileFinding.Kind.allCases.map { "\(count($0, resource)) \($0.rawValue)" }.joined(separator: ", ")
            lines.append(
                "\(resource.rawValue): \(crmRecords[resource] ?? 0) in the CRM, \(hipcallRecords[resource] ?? 0) in Hipcall; \(kinds)")
        }
        var closing = "\(drifted ? "DRIFTED" : "in sync"): \(findings.count) findings, \(calls) calls, scanned at \(Self.time(scannedAt))"
        if unverifiedFields > 0 { closing += "; \(unverifiedFields) fields not shown on list rows, not compared" }
        lines.append(closing)
        return lines.map { $0 + "\n" }.joined()
    }

    /// An external id as a table shows it: control characters escaped, at most 60 characters.
    private static func shown(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }
        return escaped.count > 60 ? escaped.prefix(59).joined() + "…" : escaped.joined()
    }

    /// Rows padded into columns (the last column as it is).
    private static func aligned(_ rows: [[String]]) -> [String] {
        let widths = (0..<rows[0].count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row.dropLast(), widths).map { $0 + String(repeating: " ", count: $1 - $0.count + 2) }.joined() + (row.last ?? "")
        }
    }

    /// `date` as an RFC 3339 UTC timestamp with milliseconds (a report's, a state file's, an export's time).
    static func time(_ date: Date) -> String {
        UTCTimestamp.format(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }
}
