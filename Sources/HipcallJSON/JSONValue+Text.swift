/// Compact JSON text for `JSONValue`, written by hand so it is fast and its key order is stable.
extension JSONValue {
    /// This value as compact JSON text, object keys sorted.
    public var jsonText: String {
        var out = ""
        out.reserveCapacity(64)
        write(to: &out)
        return out
    }

    /// Appends this value as compact JSON text to `out`, object keys sorted.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .double(let value): out += value.isFinite ? "\(value)" : "null"
        case .string(let value): JSONValue.writeString(value, to: &out)
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(to: &out)
            }
            out += "]"
        case .object(let members):
            JSONValue.writeObject(members.sorted { $0.key < $1.key }, to: &out)
        }
    }

    /// Appends an object whose members are written in the given order.
    public static func writeObject(_ members: [(key: String, value: JSONValue)], to out: inout String) {
        out += "{"
        for (index, member) in members.enumerated() {
            if index > 0 { out += "," }
            writeString(member.key, to: &out)
            out += ":"
            member.value.write(to: &out)
        }
        out += "}"
    }

    /// Appends `value` as a JSON string literal with the escapes RFC 8259 requires.
    public static func writeString(_ value: String, to out: inout String) {
        out += "\""
        // Most strings need no escape: append them whole instead of scalar by scalar.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) else {
            out += value
            out += "\""
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
