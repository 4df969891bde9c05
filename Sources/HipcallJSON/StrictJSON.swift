/// A strict RFC 8259 parser into ``JSONValue`` that keeps integers apart from other numbers.
///
/// Foundation's decoder turns `9876.0` and `1e2` into integers, but an external id must be a JSON
/// integer literal, so the literal's spelling matters. Also bounds nesting depth, so hostile input
/// cannot exhaust the stack. Duplicate object keys: the last one wins. Several times faster than
/// decoding ``JSONValue`` through `Codable`, which tries each type in turn for every value.
public struct StrictJSON {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The value `bytes` hold, or nil unless they are exactly one valid UTF-8 JSON value with optional whitespace.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        var parser = StrictJSON(bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
    }

    private mutating func consume(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        let start = index
        let matches = literal.withUTF8Buffer { expected in expected.indices.allSatisfy { bytes[start + $0] == expected[$0] } }
        guard matches else { return false }
        index += count
        return true
    }

    private mutating func value(depth: Int) -> JSONValue? {
        skipWhitespace()
        guard let c = current else { return nil }
        switch c {
        case UInt8(ascii: "{"): return depth < Self.maxDepth ? object(depth: depth + 1) : nil
        case UInt8(ascii: "["): return depth < Self.maxDepth ? array(depth: depth + 1) : nil
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return consume("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return consume("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return consume("null") ? .null : nil
        default: return number()
        }
    }

    /// An object: its members are gathered in order first, so the dictionary is made once at its size
    /// instead of growing (and hashing every key again) as they come; the last of a duplicate key wins.
    private mutating func object(depth: Int) -> JSONValue? {
        index += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let member = value(depth: depth) else { return nil }
            members.append((key, member))
            skipWhitespace()
            guard let c = current else { return nil }
            index += 1
            if c == UInt8(ascii: "}") { return .object(Dictionary(members, uniquingKeysWith: { $1 })) }
            guard c == UInt8(ascii: ",") else { return nil }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            guard let element = value(depth: depth) else { return nil }
            elements.append(element)
            skipWhitespace()
            guard let c = current else { return nil }
            index += 1
            if c == UInt8(ascii: "]") { return .array(elements) }
            guard c == UInt8(ascii: ",") else { return nil }
        }
    }

    private mutating func string() -> String? {
        index += 1
        if let plain = plainString() { return plain }
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() -> Bool {
            guard let text = String(validating: raw, as: UTF8.self) else { return false }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
            return true
        }
        while let c = current {
            index += 1
            switch c {
            case UInt8(ascii: "\""):
                return flush() ? String(scalars) : nil
            case UInt8(ascii: "\\"):
                guard flush(), let escaped = current else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    scalars.append(scalar)
                default: return nil
                }
            case 0x00..<0x20:
                return nil
            default:
                raw.append(c)
            }
        }
        return nil
    }

    /// A string without escapes (nearly every one), its opening quote already read, taken from the
    /// bytes in one piece; nil, with nothing consumed, at an escape or a control character (the
    /// escaping path then reads it, or refuses it). The bytes need no validating again: `parse`
    /// validated them all, and a run between two quotes cannot cut a UTF-8 sequence.
    private mutating func plainString() -> String? {
        var end = index
        while end < bytes.count {
            let c = bytes[end]
            if c == UInt8(ascii: "\"") {
                let text = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[index..<end]), as: UTF8.self) }
                index = end + 1
                return text
            }
            if c == UInt8(ascii: "\\") || c < 0x20 { return nil }
            end += 1
        }
        return nil
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), joining surrogate pairs.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let high = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(high) {
            guard consume("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }
        return Unicode.Scalar(high)
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
            value = value * 16 + UInt32(digit)
            index += 1
        }
        return value
    }

    /// A number literal: an integer when it has no fraction or exponent and fits `Int64`, otherwise a
    /// finite double (a literal past `Double`'s range is not accepted).
    private mutating func number() -> JSONValue? {
        let start = index
        func digits() -> Int {
            let from = index
            while let c = current, c >= 0x30, c <= 0x39 { index += 1 }
            return index - from
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        var integral = true
        if current == UInt8(ascii: ".") {
            index += 1
            integral = false
            guard digits() > 0 else { return nil }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            integral = false
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        if integral, let integer = integer(from: start) { return .int(integer) }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        // Past Double's range (1e400) is refused: infinity has no JSON spelling, so it would be written back as null.
        guard let number = Double(text), number.isFinite else { return nil }
        return .double(number)
    }

    /// The integer literal from `start` to the current index (an optional `-`, then digits), as
    /// `Int64(text)` reads it: nil past `Int64`'s range.
    private func integer(from start: Int) -> Int64? {
        let negative = bytes[start] == UInt8(ascii: "-")
        var value: Int64 = 0
        for position in (negative ? start + 1 : start)..<index {
            let digit = Int64(bytes[position] - 0x30)
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            // Accumulated on the literal's side of zero, so Int64.min has no positive it must pass through.
            let (next, carry) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow || carry { return nil }
            value = next
        }
        return value
    }
}
