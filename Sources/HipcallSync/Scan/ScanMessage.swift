import AMQPClient
import Foundation
import HipcallJSON

/// A list scan's own line in the journal stream, beside the entries (see ``JournalEntry``): a worker
/// *claims* a resource's scan, reports its *progress* (the offset of the next page to read) after
/// each page's rows are journaled, and says when it *finished*. Every worker reads the stream in the
/// same order, so each one's ``ScanLedger`` comes to the same holder, offset and state.
///
/// The message is empty of entries: its headers carry ``header`` and its body is one JSON object
/// `{"kind", "resource", "worker", "at", "offset"}` (`at` in Unix seconds, by the writer's clock).
/// Anyone who can publish to the stream can write one, so reading is strict and bounded: a message
/// that is not exactly that shape, or past a bound, is ignored.
struct ScanMessage: Sendable, Equatable {
    /// What the message says.
    enum Kind: String, Sendable {
        case claim, progress, finished
    }

    let kind: Kind
    let resource: SyncResource
    /// The id of the worker that wrote it.
    let worker: String
    /// When it was written, by the writer's clock.
    let at: Date
    /// The offset of the next page to read (a claim: where its scan starts; finished: the end).
    let offset: Int

    /// The header that marks a scan message.
    static let header = "x-hipcall-journal-scan"
    /// The longest body read.
    static let maxBodyBytes = 1_024
    /// The longest worker id read, in UTF-8 bytes.
    static let maxWorkerBytes = 128
    /// The largest offset read: 100 million records per resource.
    static let maxOffset = 100_000_000

    /// The message with its body and properties, for the journal stream.
    var message: (body: [UInt8], properties: AMQPProperties) {
        let body: JSONValue = .object([
            "kind": .string(kind.rawValue), "resource": .string(resource.rawValue), "worker": .string(worker),
            "at": .double(at.timeIntervalSince1970), "offset": .int(Int64(offset)),
        ])
        return (Array(body.jsonText.utf8), AMQPProperties(contentType: "application/json", headers: [Self.header: .int(1)], persistent: true))
    }

    init(_ kind: Kind, _ resource: SyncResource, worker: String, at: Date, offset: Int) {
        self.kind = kind
        self.resource = resource
        self.worker = worker
        self.at = at
        self.offset = offset
    }

    /// Reads a journal message as a scan message; nil when it is none, or malformed.
    init?(headers: AMQPTable, body: [UInt8]) {
        guard HeaderReader(headers).contains(Self.header), body.count <= Self.maxBodyBytes,
            case .object(let object)? = StrictJSON.parse(body), object.count == 5,
            case .string(let kindName)? = object["kind"], let kind = Kind(rawValue: kindName),
            case .string(let resourceName)? = object["resource"], let resource = SyncResource(rawValue: resourceName),
            case .string(let worker)? = object["worker"], !worker.isEmpty, worker.utf8.count <= Self.maxWorkerBytes,
            let seconds = Self.seconds(object["at"]), seconds.isFinite, RFC3339.representableSeconds.contains(seconds),
            case .int(let offset)? = object["offset"], (0...Int64(Self.maxOffset)).contains(offset)
        else { return nil }
        self.init(kind, resource, worker: worker, at: Date(timeIntervalSince1970: seconds), offset: Int(offset))
    }

    /// `at` as written: a double, or an integer when it had no fraction.
    private static func seconds(_ value: JSONValue?) -> Double? {
        switch value {
        case .double(let seconds)?: seconds
        case .int(let seconds)?: Double(seconds)
        default: nil
        }
    }
}
