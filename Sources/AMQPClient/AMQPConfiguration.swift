/// Where and how to connect to a RabbitMQ broker. Parse it from an `amqp://` or `amqps://` URL
/// with ``init(url:)``; the password never appears in ``description``.
public struct AMQPConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// TLS settings used when the URL scheme is `amqps`.
    public struct TLS: Sendable, Equatable {
        /// A PEM file of trusted certificate authorities; `nil` uses none (so peer verification fails unless disabled).
        public var caCertificateFile: String?
        /// A PEM client certificate and key, for brokers that authenticate clients by certificate.
        var clientCertificateFile: String?
        var clientKeyFile: String?
        /// Whether the broker's certificate chain is verified.
        public var verifyPeer: Bool = true
        /// Whether the broker's certificate must name the host connected to.
        var verifyHostname: Bool = true

        init(
            caCertificateFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil,
            verifyPeer: Bool = true, verifyHostname: Bool = true
        ) {
            self.caCertificateFile = caCertificateFile
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
            self.verifyPeer = verifyPeer
            self.verifyHostname = verifyHostname
        }
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String
    /// TLS settings, present when the connection is encrypted (`amqps`).
    public var tls: TLS?
    /// Heartbeat interval negotiated with the broker, in seconds (0 disables heartbeats).
    public var heartbeatSeconds: Int = 30
    /// How long the TCP connect plus the AMQP handshake and login may take.
    public var connectTimeout: Duration = .seconds(10)
    /// How long a synchronous AMQP method (declare, bind, qos, ...) may wait for its reply.
    var rpcTimeout: Duration = .seconds(30)
    /// The largest frame negotiated with the broker.
    public var frameMax: Int = 131_072
    /// A name shown in the broker's connection list.
    var connectionName: String?
    /// The connection name shown in the broker's management UI and logs when none is set.
    static let defaultConnectionName = "hipcall-sync"

    public init(
        host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
        virtualHost: String = "/", tls: TLS? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
        self.tls = tls
    }

    /// Parses `amqp://user:pass@host:port/vhost` or `amqps://...`. Every part is percent-decoded;
    /// a missing part takes RabbitMQ's default (guest, guest, localhost, 5672 or 5671, vhost `/`).
    /// Query options: `heartbeat` (seconds, 0...65535), `connection_timeout` (seconds, up to an hour),
    /// `frame_max` (bytes, 4096...1048576), and for `amqps` `cacertfile`, `certfile`, `keyfile`,
    /// `verify` (`verify_peer` or `verify_none`); `certfile` and `keyfile` go together. A user or password must percent-encode `/`, `?`,
    /// `#` and `@`; a URL where one of them is left bare is refused. No error message holds any
    /// part of the password.
    public init(url: String) throws(AMQPError) {
        guard let schemeEnd = url.range(of: "://") else {
            throw AMQPError(.invalidURL(part: "scheme"), message: "expected a URL starting with amqp:// or amqps://")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else {
            throw AMQPError(.invalidURL(part: "scheme"), message: "the scheme must be amqp or amqps")
        }
        let afterScheme = url[schemeEnd.upperBound...]
        // The authority ends at the first '/' or '?'. A password holding a bare '/', '?', '#' or '@'
        // would be cut there and its pieces read as host, port or vhost, so: no '#' at all, and
        // one '@' at most, inside the authority.
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        var rest = afterScheme[authorityEnd...]
        guard !afterScheme.contains("#"), authority.count(where: { $0 == "@" }) <= 1, !rest.contains("@") else {
            throw AMQPError(
                .invalidURL(part: "userinfo"),
                message: "a '/', '?', '#' or '@' in the user, password or vhost must be percent-encoded (%2F, %3F, %23, %40)")
        }
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var hostAndPort = authority
        var userInfo: Substring?
        if let at = authority.firstIndex(of: "@") {
            userInfo = authority[..<at]
            hostAndPort = authority[authority.index(after: at)...]
        }

        self.init()
        if scheme == "amqps" {
            tls = TLS()
            port = 5671
        }
        if let userInfo {
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], part: "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], part: "password")
            } else {
                user = try Self.decode(userInfo, part: "user")
            }
        }
        try parseHostAndPort(hostAndPort, hasUserInfo: userInfo != nil)
        if !rest.isEmpty {
            // An empty path ("amqp://host/") names the empty vhost, as RabbitMQ's URI spec says.
            let path = rest.dropFirst()
            guard !path.contains("/") else {
                throw AMQPError(.invalidURL(part: "vhost"), message: "a vhost containing '/' must be written as %2F")
            }
            virtualHost = try Self.decode(path, part: "vhost")
        }
        try parseQuery(query)
        if let tls, (tls.clientCertificateFile == nil) != (tls.clientKeyFile == nil) {
            throw AMQPError(
                .invalidURL(part: tls.clientCertificateFile == nil ? "certfile" : "keyfile"),
                message: "certfile and keyfile must be given together (the client certificate and its key)")
        }
    }

    private mutating func parseHostAndPort(_ authority: Substring, hasUserInfo: Bool) throws(AMQPError) {
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw AMQPError(.invalidURL(part: "host"), message: "unterminated IPv6 address")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else {
                throw AMQPError(.invalidURL(part: "host"), message: "only ':' and a port may follow an IPv6 address")
            }
            if !after.isEmpty { portPart = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if !hostPart.isEmpty {
            host = try Self.decode(hostPart, part: "host")
        }
        if let portPart {
            // Not echoed: without an '@', "user:password" reads as "host:port".
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw AMQPError(
                    .invalidURL(part: "port"),
                    message: "the port must be a number between 1 and 65535"
                        + (hasUserInfo ? "" : " (a user and password go before an '@' and the host)"))
            }
            port = value
        }
    }

    private mutating func parseQuery(_ query: Substring) throws(AMQPError) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            // Empty pieces kept: "=" alone (trapped on pieces[0]) and "=5" name the empty option.
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(pieces[0])
            let value = try Self.decode(pieces.count > 1 ? pieces[1] : "", part: key)
            let shown = value.count > 40 ? value.prefix(40) + "…" : Substring(value)
            switch key {
            case "heartbeat":
                // The broker's tune method carries the heartbeat as a 16-bit number of seconds.
                guard let seconds = Int(value), (0...65535).contains(seconds) else {
                    throw AMQPError(.invalidURL(part: key), message: "\(key) '\(shown)' is not a number of seconds between 0 and 65535")
                }
                heartbeatSeconds = seconds
            case "connection_timeout":
                guard let seconds = Double(value), seconds.isFinite, seconds >= 0.001, seconds <= 3600 else {
                    throw AMQPError(.invalidURL(part: key), message: "\(key) '\(shown)' is not a number of seconds between 0.001 and 3600")
                }
                connectTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
            case "frame_max":
                // librabbitmq's minimum frame; a megabyte is 8 times RabbitMQ's default limit.
                guard let bytes = Int(value), (4096...1_048_576).contains(bytes) else {
                    throw AMQPError(.invalidURL(part: key), message: "\(key) '\(shown)' is not a number of bytes between 4096 and 1048576")
                }
                frameMax = bytes
            case "cacertfile", "certfile", "keyfile", "verify":
                guard tls != nil else {
                    throw AMQPError(.invalidURL(part: key), message: "\(key) applies to amqps:// URLs only")
                }
                try parseTLSOption(key, value, shown: shown)
            default:
                throw AMQPError(.invalidURL(part: key), message: "unknown query option '\(key.prefix(40))'")
            }
        }
    }

    private mutating func parseTLSOption(_ key: String, _ value: String, shown: Substring) throws(AMQPError) {
        switch key {
        case "cacertfile": tls?.caCertificateFile = value
        case "certfile": tls?.clientCertificateFile = value
        case "keyfile": tls?.clientKeyFile = value
        default:
            guard value == "verify_peer" || value == "verify_none" else {
                throw AMQPError(.invalidURL(part: key), message: "\(key) '\(shown)' must be verify_peer or verify_none")
            }
            tls?.verifyPeer = value == "verify_peer"
            tls?.verifyHostname = value == "verify_peer"
        }
    }

    /// Percent-decodes one URL part, naming the part when the escape is broken.
    private static func decode(_ text: Substring, part: String) throws(AMQPError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw AMQPError(.invalidURL(part: part), message: "broken percent escape in the \(part)")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw AMQPError(.invalidURL(part: part), message: "the \(part) is not valid UTF-8 once decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    public var description: String {
        "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(host):\(port)/\(virtualHost)"
    }
}
