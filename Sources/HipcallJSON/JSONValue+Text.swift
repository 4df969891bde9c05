/// Compact JSON text for `JSONValue`, written by ``JSONWriter`` so it is fast and its key order is stable.
extension JSONValue {
    /// This value as compact JSON text, object keys sorted.
    public var jsonText: String {
        var writer = JSONWriter(capacity: 64)
        writer.value(self)
        return writer.text
    }

    /// Appends this value as compact JSON text to `out`, object keys sorted.
    public func write(to out: inout String) {
        out += jsonText
    }

    /// Appends an object whose members are written in the given order.
    public static func writeObject(_ members: [(key: String, value: JSONValue)], to out: inout String) {
        var writer = JSONWriter(capacity: 64)
        writer.object(members)
        out += writer.text
    }

    /// Appends `value` as a JSON string literal with the escapes RFC 8259 requires.
    public static func writeString(_ value: String, to out: inout String) {
        var writer = JSONWriter(capacity: value.utf8.count + 2)
        writer.string(value)
        out += writer.text
    }
}
