import AMQPClient

/// The AMQP URL parser on any text, twice: the input as a whole URL, and the input inside the
/// password of `amqp://user:<head><input><tail>@host/vhost`. Neither may trap; a parsed
/// configuration keeps its settings in range; and whatever the input, the password's known
/// head and tail never appear in an error or in ``AMQPConfiguration/description``, nor in the
/// user, host or vhost (a bare `/`, `?`, `#` or `@` must not move part of a password there).
package enum AMQPURLTarget: FuzzTarget {
    package static let name = "AMQPURL"

    /// Letters and digits only, so percent-decoding leaves them as they are.
    static let passwordHead = "Pw0HeadQx"
    static let passwordTail = "Pw0TailQx"

    package static func check(_ input: [UInt8]) -> FuzzFinding? {
        let text = String(decoding: input, as: UTF8.self)
        if let configuration = try? AMQPConfiguration(url: text), let broken = outOfRange(configuration) {
            return finding("settings in range", broken)
        }
        let url = "amqp://user:\(passwordHead)\(text)\(passwordTail)@host/vhost"
        do {
            let configuration = try AMQPConfiguration(url: url)
            if let broken = outOfRange(configuration) { return finding("settings in range", broken) }
            let shown = [configuration.user, configuration.host, configuration.virtualHost, configuration.description]
            if shown.contains(where: revealsPassword) {
                return finding("password stays in the password", configuration.description)
            }
            let password = Array(configuration.password.utf8)
            guard password.starts(with: passwordHead.utf8), password.reversed().starts(with: passwordTail.utf8.reversed()) else {
                return finding("password read whole", "user \(configuration.user.debugDescription)")
            }
        } catch {
            if revealsPassword(error.description) { return finding("no password in errors", error.description) }
        }
        return nil
    }

    /// Whether `text` holds the password's head or tail, compared as UTF-8 bytes: String's own
    /// comparisons go by characters, and a combining mark after the head would hide it.
    private static func revealsPassword(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return [passwordHead, passwordTail].contains { part in
            let needle = Array(part.utf8)
            guard bytes.count >= needle.count else { return false }
            return (0...(bytes.count - needle.count)).contains { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
    }

    /// What a parsed configuration holds out of its documented range, if anything.
    private static func outOfRange(_ configuration: AMQPConfiguration) -> String? {
        if !(1...65535).contains(configuration.port) { return "port \(configuration.port)" }
        if !(0...65535).contains(configuration.heartbeatSeconds) { return "heartbeat \(configuration.heartbeatSeconds)" }
        if !(4096...1_048_576).contains(configuration.frameMax) { return "frame_max \(configuration.frameMax)" }
        if configuration.connectTimeout <= .zero || configuration.connectTimeout > .seconds(3600) {
            return "connection_timeout \(configuration.connectTimeout)"
        }
        return nil
    }
}
