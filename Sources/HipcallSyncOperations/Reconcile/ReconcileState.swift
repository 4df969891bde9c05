import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// What a reconcile scan has read so far, kept in a file (`--state`) so that an interrupted scan
/// resumes where it stopped. NDJSON, appended a line per page and synced, so a crash loses at most
/// the page being written (a last line cut short is dropped and read again):
/// `{"reconcile_state":1,"scanned_at":"<RFC 3339>"}` first, then
/// `{"resource":"companies","offset":0,"count":N,"rows":[{…},…]}` per page and
/// `{"resource":"companies","finished":true}` once a resource's list ended.
public final class ReconcileState {
    /// When the scan started (a resumed scan keeps its first start): the repair events' `occurred_at`.
    public let scannedAt: Date
    /// The rows read per resource, in scan order.
    public private(set) var rows: [SyncResource: [HipcallRecord]] = [:]
    /// The resources whose lists ended.
    public private(set) var finished: Set<SyncResource> = []
    /// The last `meta.count` seen per resource.
    public private(set) var counts: [SyncResource: Int] = [:]
    private let handle: FileHandle?

    /// The oldest scan a state file is resumed from (seconds): Hipcall's records have moved on since.
    static let maxAge: TimeInterval = 86_400

    /// A scan kept only in memory (no `--state`).
    public init(scannedAt: Date) {
        self.scannedAt = scannedAt
        handle = nil
    }

    /// Opens `path`: resumes the scan it holds, or starts one at `now` in a new file.
    public init(path: String, now: Date) throws(ReconcileStateError) {
        let url = URL(fileURLWithPath: path)
        var keptBytes: Int?
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            var lines = Array(data).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            // The piece after the last newline is empty, or a line cut short by a crash: the page being
            // written, read again.
            let tail = lines.removeLast()
            guard let header = lines.first.flatMap(StrictJSON.parse)?.objectValue, header["reconcile_state"] == .int(1),
                let text = header["scanned_at"]?.stringValue, let start = RFC3339.parse(text)
            else { throw ReconcileStateError(path: path, line: 1, reason: "not a reconcile state file") }
            guard now.timeIntervalSince(start) <= Self.maxAge else {
                throw ReconcileStateError(
                    path: path, line: 1, reason: "holds a scan started \(text), more than a day ago: remove the file to scan afresh")
            }
            scannedAt = start
            for (index, line) in lines.enumerated().dropFirst() {
                guard let object = StrictJSON.parse(line)?.objectValue else {
                    throw ReconcileStateError(path: path, line: index + 1, reason: "not a JSON object")
                }
                try Self.take(object, into: &rows, finished: &finished, counts: &counts, path: path, line: index + 1)
            }
            keptBytes = data.count - tail.count
        } else {
            scannedAt = now
            let header: JSONValue = .object([
                "reconcile_state": .int(1),
                "scanned_at": .string(ReconcileReport.time(now)),
            ])
            guard FileManager.default.createFile(atPath: path, contents: Data((header.jsonText + "\n").utf8)) else {
                throw ReconcileStateError(path: path, line: nil, reason: "cannot create the file")
            }
        }
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw ReconcileStateError(path: path, line: nil, reason: "cannot open for writing: \(error.localizedDescription)")
        }
        // A line cut short by a crash is cut off in place (the pages before it stay on disk), then appended after.
        do { try keptBytes.map { try handle?.truncate(atOffset: UInt64($0)) }; try handle?.seekToEnd() } catch {
            throw ReconcileStateError(path: path, line: nil, reason: "cannot append: \(error.localizedDescription)")
        }
    }

    deinit { try? handle?.close() }

    /// The offset the resource's scan goes on from.
    public func offset(_ resource: SyncResource) -> Int { rows[resource]?.count ?? 0 }

    /// Records a page read at the resource's current offset (and that the list ended, when it did).
    func add(_ page: [HipcallRecord], count: Int?, of resource: SyncResource, ended: Bool) throws(ReconcileStateError) {
        if let handle {
            // Built only for a file: a scan kept in memory does not copy every row into a line it drops.
            var lines: [JSONValue] = [
                .object([
                    "resource": .string(resource.rawValue), "offset": .int(Int64(offset(resource))),
                    "count": count.map { .int(Int64($0)) } ?? .null,
                    "rows": .array(page.map { record in
                        var object = record.fields
                        object["id"] = .int(record.id)
                        return .object(object)
                    }),
                ])
            ]
            if ended { lines.append(.object(["resource": .string(resource.rawValue), "finished": .bool(true)])) }
            do {
                try handle.write(contentsOf: Data(lines.map { $0.jsonText + "\n" }.joined().utf8))
                try handle.synchronize()
            } catch {
                throw ReconcileStateError(path: nil, line: nil, reason: "cannot append a page: \(error.localizedDescription)")
            }
        }
        rows[resource, default: []] += page
        if let count { counts[resource] = count }
        if ended { finished.insert(resource) }
    }

    /// Takes one page or finished line into the scan read so far.
    private static func take(
        _ object: [String: JSONValue], into rows: inout [SyncResource: [HipcallRecord]], finished: inout Set<SyncResource>,
        counts: inout [SyncResource: Int], path: String, line: Int
    ) throws(ReconcileStateError) {
        guard let name = object["resource"]?.stringValue, let resource = SyncResource(rawValue: name) else {
            throw ReconcileStateError(path: path, line: line, reason: "no known resource")
        }
        if object["finished"] == .bool(true) {
            finished.insert(resource)
            return
        }
        guard let offset = object["offset"]?.intValue, offset == Int64(rows[resource]?.count ?? 0), let page = object["rows"]?.arrayValue else {
            throw ReconcileStateError(path: path, line: line, reason: "a page that does not follow the pages before it")
        }
        var records: [HipcallRecord] = []
        for row in page {
            guard var fields = row.objectValue, let id = fields.removeValue(forKey: "id")?.intValue else {
                throw ReconcileStateError(path: path, line: line, reason: "a row without an id")
            }
            records.append(HipcallRecord(id: id, fields: fields))
        }
        rows[resource, default: []] += records
        if let count = object["count"]?.intValue { counts[resource] = Int(clamping: min(max(0, count), Int64(ReconcileScan.maxRecords))) }
    }
}

/// A state file that cannot be read or written: its path, the line at fault if any, and why.
public struct ReconcileStateError: Error, Sendable, CustomStringConvertible {
    public let path: String?
    public let line: Int?
    public let reason: String

    public var description: String {
        "--state \(path ?? "file")\(line.map { " line \($0)" } ?? ""): \(reason)"
    }
}
