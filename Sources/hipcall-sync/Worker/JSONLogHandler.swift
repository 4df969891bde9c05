import Foundation
import Hipcall
import HipcallJSON
import Logging
import Synchronization

/// A swift-log handler that writes one JSON object per line to standard output: time, level,
/// label, message, and the metadata as string fields. Never given a token: callers log none.
public struct JSONLogHandler: LogHandler {
    private static let output = Mutex<Void>(())

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: String] = [:]
        for (key, value) in metadata { fields[key] = "\(value)" }
        if let extra = event.metadata {
            for (key, value) in extra { fields[key] = "\(value)" }
        }
        fields["time"] = UTCTimestamp.format(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = "\(event.message)"
        // Written by hand (JSONSerialization cost a worker 7% of its CPU at one line per event).
        var line = ""
        line.reserveCapacity(320)
        JSONValue.writeObject(fields.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }, to: &line)
        line += "\n"
        Self.output.withLock { _ in FileHandle.standardOutput.write(Data(line.utf8)) }
    }
}
