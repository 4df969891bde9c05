import HipcallJSON

/// FNV-1a, 64 bits: a hash that is the same in every process and every build (unlike Swift's
/// `Hasher`, which is seeded per process), so fingerprints can travel in the journal.
struct FNV1a: Sendable {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte) }
    }

    /// Adds `text` with its length first, so that no two sequences of strings hash alike by concatenation.
    mutating func add(text: String) {
        add(length: text.utf8.count)
        add(text.utf8)
    }

    mutating func add(length: Int) {
        add(integer: UInt64(length))
    }

    mutating func add(integer: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { add(UInt8(truncatingIfNeeded: integer >> UInt64(shift))) }
    }

    /// Adds a JSON value unambiguously: a type tag, then its content; object members sorted by key.
    mutating func add(json: JSONValue) {
        switch json {
        case .null: add(0)
        case .bool(let flag): add(flag ? 2 : 1)
        case .int(let number):
            add(3)
            add(integer: UInt64(bitPattern: number))
        case .double(let number):
            add(4)
            // 0.0 and -0.0 are equal values.
            add(integer: (number == 0 ? 0 : number).bitPattern)
        case .string(let text):
            add(5)
            add(text: text)
        case .array(let items):
            add(6)
            add(length: items.count)
            for item in items { add(json: item) }
        case .object(let members):
            add(7)
            add(length: members.count)
            for (key, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                add(text: key)
                add(json: member)
            }
        }
    }
}
