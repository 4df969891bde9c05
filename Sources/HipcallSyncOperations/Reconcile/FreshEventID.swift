import Foundation

/// The `event_id` an export line without one is given: a random (version 4) UUID from the system's
/// generator, which asks the kernel directly, where Foundation's `UUID()` opens, reads and closes
/// /dev/urandom for each one on Linux (three system calls per line of a large export).
enum FreshEventID {
    /// A new id, in `UUID().uuidString`'s spelling.
    static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        var value = (generator.next() as UInt64, generator.next() as UInt64)
        withUnsafeMutableBytes(of: &value) { bytes in
            bytes[6] = bytes[6] & 0x0F | 0x40  // version 4: random
            bytes[8] = bytes[8] & 0x3F | 0x80  // the RFC 9562 variant
        }
        return withUnsafeBytes(of: value) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }.uuidString
    }
}
