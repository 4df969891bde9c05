import CRabbitMQ
import Testing

@testable import AMQPClient

@Suite("Header tables nested deeper than anyone needs")
struct DeepHeaderTests {
    /// Copies a librabbitmq table of `depth` nested tables (`{"a": {"a": ...}}`, as librabbitmq
    /// decodes a hostile header) and returns how many levels the copy kept.
    private func copiedDepth(of depth: Int) -> Int {
        let key = Array("a".utf8)
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: depth)
        defer { entries.deallocate() }
        key.withUnsafeBufferPointer { keyBytes in
            let name = amqp_bytes_t(len: 1, bytes: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            for level in 0..<depth {
                var value = amqp_field_value_t()
                if level + 1 < depth {
                    value.kind = UInt8(ascii: "F")
                    value.value.table = amqp_table_t(num_entries: 1, entries: entries + level + 1)
                } else {
                    value.kind = UInt8(ascii: "S")
                    value.value.bytes = name
                }
                entries[level] = amqp_table_entry_t(key: name, value: value)
            }
        }
        let table = AMQPTable(copying: amqp_table_t(num_entries: 1, entries: entries))
        var kept = 0
        var value = table["a"]
        while case .table(let nested)? = value {
            kept += 1
            value = nested["a"]
        }
        return kept
    }

    @Test("a header nested 100,000 deep is copied up to the bound, without overflowing the stack")
    func hostileDepth() {
        #expect(copiedDepth(of: 100_000) == AMQPFieldValue.maxCopiedDepth)
    }

    @Test("a header nested within the bound is copied whole")
    func ordinaryDepth() {
        #expect(copiedDepth(of: 5) == 4)
    }
}
