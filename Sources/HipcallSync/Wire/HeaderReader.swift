import AMQPClient
import Foundation
import HipcallJSON

/// Why a header's value was not used: the `reason` label of `hipcall_sync_header_ignored_total`.
enum HeaderProblem: String, Sendable, Hashable {
    /// A field type the header cannot hold (a table where a number belongs, ...).
    case wrongType = "wrong_type"
    /// A number outside what the header allows (negative, zero, or past its bound).
    case outOfRange = "out_of_range"
    /// Text longer than the header allows.
    case tooLong = "too_long"
    /// Bytes that are not UTF-8 text.
    case notUTF8 = "not_utf8"
    /// Text that is not in the header's format (a number, an RFC 3339 date-time, ...).
    case unparsable
    /// Retry state (only the worker's own retry queues may carry it) on a message that did not come from one.
    case untrusted
    /// An `x-hipcall-key` that names another record than the body does.
    case disagreesWithBody = "disagrees_with_body"
}

/// A header whose value the worker did not use, and why.
struct IgnoredHeader: Sendable, Hashable, CustomStringConvertible {
    let header: String
    let problem: HeaderProblem

    public var description: String { "\(header): \(problem.rawValue)" }
}

/// Typed reads of one AMQP header table, the only way the worker reads a header. Each read
/// accepts any field type and any value: it returns the value when usable, and otherwise nil
/// with the header noted in ``ignored`` (an absent header is just nil). No read traps: no force
/// unwraps, no unchecked arithmetic or conversion of a value.
public struct HeaderReader: Sendable {
    let table: AMQPTable
    /// The headers read so far whose values were unusable, in reading order.
    private(set) var ignored: [IgnoredHeader] = []

    public init(_ table: AMQPTable) {
        self.table = table
    }

    /// Notes that `header` was present but not used.
    mutating func ignore(_ header: String, _ problem: HeaderProblem) {
        ignored.append(IgnoredHeader(header: header, problem: problem))
    }

    /// Whether the header is present, whatever its value.
    func contains(_ name: String) -> Bool {
        table[name] != nil
    }

    /// Text of at most `maxBytes` UTF-8 bytes: a string, or bytes that are UTF-8.
    public mutating func text(_ name: String, maxBytes: Int) -> String? {
        guard let value = table[name] else { return nil }
        let text: String
        switch value {
        case .string(let string):
            text = string
        case .bytes(let bytes):
            guard bytes.count <= maxBytes else {
                ignore(name, .tooLong)
                return nil
            }
            guard let string = String(validating: bytes, as: UTF8.self) else {
                ignore(name, .notUTF8)
                return nil
            }
            text = string
        default:
            ignore(name, .wrongType)
            return nil
        }
        guard text.utf8.count <= maxBytes else {
            ignore(name, .tooLong)
            return nil
        }
        return text
    }

    /// A whole number within `range`: an integer field or decimal text (spaces around it allowed).
    /// Floats and timestamps are the wrong type: no header the worker reads is written as one.
    public mutating func integer(_ name: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let value = table[name] else { return nil }
        let number: Int64
        switch value {
        case .int(let integer):
            number = integer
        case .string, .bytes:
            guard let text = text(name, maxBytes: 64) else { return nil }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let integer = Int64(trimmed) else {
                let digits = trimmed.drop { $0 == "-" || $0 == "+" }
                let isNumber = !digits.isEmpty && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                if isNumber { return outOfRange(name) }
                ignore(name, .unparsable)
                return nil
            }
            number = integer
        default:
            ignore(name, .wrongType)
            return nil
        }
        guard range.contains(number) else { return outOfRange(name) }
        return number
    }

    /// An instant written as RFC 3339 text.
    public mutating func instant(_ name: String) -> Date? {
        guard let text = text(name, maxBytes: 64) else { return nil }
        guard let date = RFC3339.parse(text) else {
            ignore(name, .unparsable)
            return nil
        }
        return date
    }

    /// An instant written as Unix seconds in a float or integer field, within ``RFC3339/representableSeconds``.
    mutating func unixInstant(_ name: String) -> Date? {
        guard let value = table[name] else { return nil }
        let seconds: Double
        switch value {
        case .double(let double): seconds = double
        case .int(let integer): seconds = Double(integer)
        default:
            ignore(name, .wrongType)
            return nil
        }
        guard seconds.isFinite, RFC3339.representableSeconds.contains(seconds) else { return outOfRange(name) }
        return Date(timeIntervalSince1970: seconds)
    }

    /// RabbitMQ's `x-death` records, newest first; empty when absent or not an array (entries that
    /// are not tables are skipped, fields of the wrong type read as empty).
    public mutating func deaths() -> [AMQPDeathRecord] {
        guard let value = table[SyncHeaders.death] else { return [] }
        guard value.arrayValue != nil else {
            ignore(SyncHeaders.death, .wrongType)
            return []
        }
        return AMQPDeathRecord.decode(from: table)
    }

    /// The header where RabbitMQ records why and where a message was dead-lettered.

    private mutating func outOfRange<T>(_ name: String) -> T? {
        ignore(name, .outOfRange)
        return nil
    }
}
