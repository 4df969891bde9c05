import Foundation
import HipcallJSON
import HipcallSync

/// A CRM export: NDJSON, one line per current CRM record in the event shape
/// (`{"type": "company.changed" | "contact.changed", "external_id": ..., "data": {...}}`), each line
/// checked by the worker's own ``EventDecoder``. `event_id` and `occurred_at` are optional: a line
/// without them gets a fresh id and the export's time. Two lines whose external ids normalise to one
/// key are a bad line too (the second names the first).
public struct CRMExport: Sendable {
    /// Every record of the export, in line order.
    public let records: [ExportRecord]
    /// The records by key.
    public let byKey: [SyncKey: ExportRecord]

    /// Parses NDJSON bytes (blank lines skipped, a trailing `\r` dropped); every bad line is reported.
    /// - Parameter exportedAt: the `occurred_at` of a line that has none.
    public static func parse(_ bytes: [UInt8], exportedAt: Date) throws(CRMExportError) -> CRMExport {
        let decoder = EventDecoder()
        let exportTime = ReconcileReport.time(exportedAt)
        var records: [ExportRecord] = []
        var byKey: [SyncKey: ExportRecord] = [:]
        var problems: [CRMExportError.Line] = []
        for (offset, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            do throws(CRMExportError.Line) {
                let record = try parseLine(line, number: number, decoder: decoder, exportTime: exportTime)
                if let first = byKey[record.event.key] {
                    throw CRMExportError.Line(
                        line: number, field: "external_id",
                        message: "\(record.event.key) is on line \(first.line) already (external ids normalise to one key)")
                }
                byKey[record.event.key] = record
                records.append(record)
            } catch {
                problems.append(error)
            }
        }
        guard problems.isEmpty else { throw CRMExportError(lines: problems) }
        return CRMExport(records: records, byKey: byKey)
    }

    /// One line as an event: the line's object with `event_id` and `occurred_at` filled in, then
    /// validated by the decoder with the line's `type` as its routing key (no larger than an event body).
    private static func parseLine(
        _ line: [UInt8], number: Int, decoder: EventDecoder, exportTime: String
    ) throws(CRMExportError.Line) -> ExportRecord {
        guard line.count <= decoder.maxBodyBytes else {
            throw CRMExportError.Line(line: number, field: nil, message: "\(line.count) bytes, more than an event's \(decoder.maxBodyBytes)")
        }
        guard case .object(var object)? = StrictJSON.parse(line) else {
            throw CRMExportError.Line(line: number, field: nil, message: "not a JSON object")
        }
        guard case .string(let type)? = object["type"] else {
            throw CRMExportError.Line(line: number, field: "type", message: "type must be \"company.changed\" or \"contact.changed\"")
        }
        var filled: [String: JSONValue] = [:]
        if object["event_id"] == nil || object["event_id"] == .null { filled["event_id"] = .string(FreshEventID.next()) }
        if object["occurred_at"] == nil || object["occurred_at"] == .null { filled["occurred_at"] = .string(exportTime) }
        object.merge(filled) { $1 }
        do throws(EventRejection) {
            let event = try decoder.decode(routingKey: type, object: object)
            return ExportRecord(line: number, routingKey: type, raw: line, filled: filled, event: event)
        } catch {
            throw CRMExportError.Line(line: number, field: error.field ?? (error.reason == .unknownRoutingKey ? "type" : nil), message: error.message)
        }
    }
}

/// One line of a CRM export: the CRM's current state of one record.
public struct ExportRecord: Sendable {
    /// The 1-based line number.
    public let line: Int
    /// The line's `type`, the routing key of its event.
    public let routingKey: String
    /// The line as it was read (its bytes are smaller than its parsed form).
    let raw: [UInt8]
    /// The members the line lacked and was given: `event_id`, `occurred_at`.
    let filled: [String: JSONValue]
    /// The line validated as an event.
    public let event: SyncEvent

    /// The line as an event body (with `event_id` and `occurred_at`), what `resync` publishes.
    public var body: [UInt8] {
        guard !filled.isEmpty, case .object(var object)? = StrictJSON.parse(raw) else { return raw }
        object.merge(filled) { $1 }
        return Array(JSONValue.object(object).jsonText.utf8)
    }
}

/// Why an export cannot be used: every bad line, with its number, the field at fault and the reason.
public struct CRMExportError: Error, Sendable, CustomStringConvertible {
    /// One bad line.
    public struct Line: Error, Sendable, CustomStringConvertible {
        public let line: Int
        public let field: String?
        public let message: String

        public var description: String { "line \(line)\(field.map { " (\($0))" } ?? ""): \(message)" }
    }

    public let lines: [Line]

    /// The most bad lines a description lists.
    static let shownLines = 20

    public var description: String {
        var text = lines.prefix(Self.shownLines).map(\.description).joined(separator: "\n")
        if lines.count > Self.shownLines { text += "\n… and \(lines.count - Self.shownLines) more bad lines" }
        return text
    }
}
