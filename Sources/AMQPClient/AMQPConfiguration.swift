/// Where and how to connect to a RabbitMQ broker. Parse it from an `amqp://` or `amqps://` URL
/// with ``init(url:)``; the password never appears in ``description``.
public struct AMQPConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// TLS settings used when the URL scheme is `amqps`.
    public struct TLS: Sendable, Equatable {
        /// A PEM file of trusted certificate authorities; `nil` uses none (so peer verification fails unless disabled).
        public var caCertificateFile: String?
        /// A PEM client certificate and key, for brokers that authenticate clients by certificate.
        public var clientCertificateFile: String?
        public var clientKeyFile: String?
        /// Whether the broker's certificate chain is verified.
        public var verifyPeer: Bool = true
        /// Whether the broker's certificate must name the host connected to.
        public var verifyHostname: Bool = true

        public init(
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
    public var rpcTimeout: Duration = .seconds(30)
    /// The largest frame negotiated with the broker.
    public var frameMax: Int = 131_072
    /// A name shown in the broker's connection list.
    public var connectionName: String?

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
    /// Query options: `heartbeat`, `connection_timeout` (seconds), `cacertfile`, `certfile`, `keyfile`,
    /// `verify` (`verify_peer` or `verify_none`), `server_name_indication` is not supported.
    public init(url: String) throws(AMQPError) {
        let schemeEnd = url.range(of: "://")
        guard let schemeEnd else {
            throw AMQPError(.invalidURL(part: "scheme"), message: "expected amqp:// or amqps://, got '\(Self.redacted(url))'")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else {
            throw AMQPError(.invalidURL(part: "scheme"), message: "unsupported scheme '\(scheme)'; use amqp or amqps")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var userInfo: Substring?
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
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
        try parseHostAndPort(rest)
        if let path {
            // An empty path ("amqp://host/") names the empty vhost, as RabbitMQ's URI spec says.
            guard !path.contains("/") else {
                throw AMQPError(.invalidURL(part: "vhost"), message: "a vhost containing '/' must be written as %2F")
            }
            virtualHost = try Self.decode(path, part: "vhost")
        }
        try parseQuery(query)
    }

    private mutating func parseHostAndPort(_ authority: Substring) throws(AMQPError) {
        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw AMQPError(.invalidURL(part: "host"), message: "unterminated IPv6 address")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portPart = after.dropFirst() }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if !hostPart.isEmpty {
            host = try Self.decode(hostPart, part: "host")
        }
        if let portPart {
            guard let value = Int(portPart), (1...65535).contains(value) else {
                throw AMQPError(.invalidURL(part: "port"), message: "'\(portPart)' is not a port number between 1 and 65535")
            }
            port = value
        }
    }

    private mutating func parseQuery(_ query: Substring) throws(AMQPError) {
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let pieces = pair.split(separator: "=", maxSplits: 1)
            let key = String(pieces[0])
            let value = try Self.decode(pieces.count > 1 ? pieces[1] : "", part: key)
            switch key {
            case "heartbeat":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw AMQPError(.invalidURL(part: key), message: "'\(value)' is not a number of seconds")
                }
                heartbeatSeconds = seconds
            case "connection_timeout":
                guard let seconds = Double(value), seconds > 0 else {
                    throw AMQPError(.invalidURL(part: key), message: "'\(value)' is not a positive number of seconds")
                }
                connectTimeout = .milliseconds(Int(seconds * 1000))
            case "cacertfile": tls?.caCertificateFile = value
            case "certfile": tls?.clientCertificateFile = value
            case "keyfile": tls?.clientKeyFile = value
            case "verify":
                guard value == "verify_peer" || value == "verify_none" else {
                    throw AMQPError(.invalidURL(part: key), message: "'\(value)' must be verify_peer or verify_none")
                }
                tls?.verifyPeer = value == "verify_peer"
                tls?.verifyHostname = value == "verify_peer"
            default:
                throw AMQPError(.invalidURL(part: key), message: "unknown query option '\(key)'")
            }
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

    /// The URL with any password replaced, for error messages.
    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@") else { return url }
        return "***" + url[at...]
    }

    public var description: String {
        "\(tls == nil ? "amqp" : "amqps")://\(user):***@\(host):\(port)/\(virtualHost)"
    }
}
