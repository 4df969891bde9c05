import CRabbitMQ

extension String {
    /// Copies an `amqp_bytes_t` (not NUL-terminated) into a Swift string, repairing invalid UTF-8.
    init(amqpBytes bytes: amqp_bytes_t) {
        guard bytes.len > 0, let base = bytes.bytes else {
            self = ""
            return
        }
        let buffer = UnsafeRawBufferPointer(start: base, count: bytes.len)
        self = String(decoding: buffer, as: UTF8.self)
    }
}

extension Array where Element == UInt8 {
    /// Copies an `amqp_bytes_t` into a Swift byte array.
    init(amqpBytes bytes: amqp_bytes_t) {
        guard bytes.len > 0, let base = bytes.bytes else {
            self = []
            return
        }
        self = Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }
}
