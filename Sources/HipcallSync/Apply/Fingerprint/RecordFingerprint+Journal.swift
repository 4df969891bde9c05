import Foundation
import HipcallJSON

extension RecordFingerprint {
    /// The fingerprint as a journal row carries it: `[observed_at, entries]`, the time in Unix seconds
    /// (printed to round-trip) and the entries as base64 of their big-endian bytes.
    var journalValue: JSONValue {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 8)
        for entry in entries {
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: entry >> UInt64(shift))) }
        }
        return .array([.double(observedAt.timeIntervalSince1970), .string(Data(bytes).base64EncodedString())])
    }

    /// Reads a fingerprint a journal row carries; nil when malformed or larger than ``maxEntries``
    /// (the journal is written by anyone who can publish to its stream).
    init?(journal value: JSONValue) {
        guard case .array(let parts) = value, parts.count == 2,
            case .double(let seconds) = parts[0], seconds.isFinite, RFC3339.representableSeconds.contains(seconds),
            case .string(let text) = parts[1], text.utf8.count <= (Self.maxEntries * 8 + 2) / 3 * 4,
            let bytes = Data(base64Encoded: text), bytes.count % 8 == 0
        else { return nil }
        var entries: [UInt64] = []
        entries.reserveCapacity(bytes.count / 8)
        var entry: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            entry = entry << 8 | UInt64(byte)
            if index % 8 == 7 {
                entries.append(entry)
                entry = 0
            }
        }
        self.init(packed: entries, observedAt: Date(timeIntervalSince1970: seconds))
    }
}
