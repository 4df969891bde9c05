import CRabbitMQ

extension AMQPFieldValue {
    /// The deepest nesting of tables and arrays copied (RabbitMQ's own `x-death` uses 3); a value
    /// nested deeper becomes `.void`. A header nested thousands deep (a frame holds ~18,000 levels)
    /// would otherwise overflow the connection thread's stack in this recursion.
    static let maxCopiedDepth = 32

    /// Copies a librabbitmq field value into Swift; `depth` counts the tables and arrays around it.
    init(copying value: amqp_field_value_t, depth: Int = 0) {
        if value.kind == UInt8(ascii: "F") || value.kind == UInt8(ascii: "A"), depth >= Self.maxCopiedDepth {
            self = .void
            return
        }
        switch value.kind {
        case UInt8(ascii: "t"): self = .bool(value.value.boolean != 0)
        case UInt8(ascii: "b"): self = .int(Int64(value.value.i8))
        case UInt8(ascii: "B"): self = .int(Int64(value.value.u8))
        case UInt8(ascii: "s"): self = .int(Int64(value.value.i16))
        case UInt8(ascii: "u"): self = .int(Int64(value.value.u16))
        case UInt8(ascii: "I"): self = .int(Int64(value.value.i32))
        case UInt8(ascii: "i"): self = .int(Int64(value.value.u32))
        case UInt8(ascii: "l"): self = .int(value.value.i64)
        case UInt8(ascii: "L"): self = .int(Int64(clamping: value.value.u64))
        case UInt8(ascii: "f"): self = .double(Double(value.value.f32))
        case UInt8(ascii: "d"): self = .double(value.value.f64)
        case UInt8(ascii: "D"):
            let decimal = value.value.decimal
            self = .double(Double(decimal.value) / pow10(Int(decimal.decimals)))
        case UInt8(ascii: "S"): self = .string(String(amqpBytes: value.value.bytes))
        case UInt8(ascii: "x"): self = .bytes([UInt8](amqpBytes: value.value.bytes))
        case UInt8(ascii: "T"): self = .timestamp(value.value.u64)
        case UInt8(ascii: "F"): self = .table(AMQPTable(copying: value.value.table, depth: depth + 1))
        case UInt8(ascii: "A"):
            let array = value.value.array
            var elements: [AMQPFieldValue] = []
            elements.reserveCapacity(Int(array.num_entries))
            for index in 0..<Int(array.num_entries) {
                elements.append(AMQPFieldValue(copying: array.entries[index], depth: depth + 1))
            }
            self = .array(elements)
        default: self = .void
        }
    }
}

private func pow10(_ exponent: Int) -> Double {
    var result = 1.0
    for _ in 0..<exponent { result *= 10 }
    return result
}

extension Dictionary where Key == String, Value == AMQPFieldValue {
    /// Copies a librabbitmq table into Swift; `depth` counts the tables and arrays around it.
    package init(copying table: amqp_table_t, depth: Int = 0) {
        self.init(minimumCapacity: Int(table.num_entries))
        for index in 0..<Int(table.num_entries) {
            let entry = table.entries[index]
            self[String(amqpBytes: entry.key)] = AMQPFieldValue(copying: entry.value, depth: depth)
        }
    }
}

/// Owns the C memory behind tables, strings and bodies handed to librabbitmq for one call,
/// and frees it all at once when the call is done.
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }

    /// Copies bytes into C memory that lives as long as the arena.
    func bytes<Bytes: Collection>(_ source: Bytes) -> amqp_bytes_t where Bytes.Element == UInt8 {
        guard !source.isEmpty else { return amqp_bytes_t(len: 0, bytes: nil) }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: source.count, alignment: 1)
        allocations.append(pointer)
        UnsafeMutableRawBufferPointer(start: pointer, count: source.count).copyBytes(from: source)
        return amqp_bytes_t(len: source.count, bytes: pointer)
    }

    /// Copies a string's UTF-8 into C memory.
    func string(_ text: String) -> amqp_bytes_t { bytes(Array(text.utf8)) }

    /// Builds a C table; an empty table is `amqp_empty_table`.
    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: table.count)
        allocations.append(UnsafeMutableRawPointer(entries))
        for (index, (key, value)) in table.enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: string(key), value: fieldValue(value)))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    /// Builds a C field value.
    func fieldValue(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var result = amqp_field_value_t()
        switch value {
        case .bool(let flag):
            result.kind = UInt8(ascii: "t")
            result.value.boolean = flag ? 1 : 0
        case .int(let number):
            result.kind = UInt8(ascii: "l")
            result.value.i64 = number
        case .double(let number):
            result.kind = UInt8(ascii: "d")
            result.value.f64 = number
        case .string(let text):
            result.kind = UInt8(ascii: "S")
            result.value.bytes = string(text)
        case .bytes(let data):
            result.kind = UInt8(ascii: "x")
            result.value.bytes = bytes(data)
        case .timestamp(let seconds):
            result.kind = UInt8(ascii: "T")
            result.value.u64 = seconds
        case .table(let nested):
            result.kind = UInt8(ascii: "F")
            result.value.table = table(nested)
        case .array(let elements):
            result.kind = UInt8(ascii: "A")
            let entries = UnsafeMutablePointer<amqp_field_value_t>.allocate(capacity: max(elements.count, 1))
            allocations.append(UnsafeMutableRawPointer(entries))
            for (index, element) in elements.enumerated() {
                (entries + index).initialize(to: fieldValue(element))
            }
            result.value.array = amqp_array_t(num_entries: Int32(elements.count), entries: entries)
        case .void:
            result.kind = UInt8(ascii: "V")
        }
        return result
    }
}
