import Foundation

/// Where and how to reach Hipcall. The token is never printed: `description` redacts it.
public struct HipcallConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Scheme, host and optional port, e.g. `https://use.hipcall.com`; the client appends `/api/v3`
    /// unless the URL already ends with it (the guide writes `https://use.hipcall.com/api/v3`).
    public var baseURL: String
    /// The bearer token.
    public var token: String
    /// Time allowed to open a connection.
    public var connectTimeout: Duration
    /// Time allowed for a whole request, from sending to the last byte of the answer.
    public var requestTimeout: Duration
    /// Most connections kept open to the host at once.
    public var poolSize: Int
    /// Largest answer body accepted, in bytes.
    public var maxResponseBytes: Int

    public init(
        baseURL: String,
        token: String,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        poolSize: Int = 8,
        maxResponseBytes: Int = 4 * 1024 * 1024
    ) {
        self.baseURL = baseURL
        self.token = token
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.poolSize = poolSize
        self.maxResponseBytes = maxResponseBytes
    }

    /// The API root the paths are appended to: `baseURL` without trailing slashes, ending in `/api/v3`.
    public var apiRoot: String {
        var base = Substring(baseURL.trimmingCharacters(in: .whitespaces))
        while base.hasSuffix("/") { base.removeLast() }
        if base.lowercased().hasSuffix("/api/v3") { base.removeLast("/api/v3".count) }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v3"
    }

    /// `apiRoot` without any `user:password@` part, for logs and errors.
    public var displayedAPIRoot: String { Self.withoutUserInfo(apiRoot) }

    /// `url` without the `user:password@` between the scheme and the host, if it has one.
    static func withoutUserInfo(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let authorityEnd = url[scheme.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        guard let at = url[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + "<redacted>@" + url[url.index(after: at)...]
    }

    /// A configuration whose token comes from `HIPCALL_TOKEN`, or else from the file named by
    /// `HIPCALL_TOKEN_FILE` (surrounding whitespace and the trailing newline trimmed).
    public static func fromEnvironment(
        baseURL: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HipcallConfigurationError) -> HipcallConfiguration {
        HipcallConfiguration(baseURL: baseURL, token: try loadToken(environment: environment))
    }

    /// Reads the token from `HIPCALL_TOKEN` or the file named by `HIPCALL_TOKEN_FILE`.
    public static func loadToken(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(HipcallConfigurationError) -> String {
        if let token = environment["HIPCALL_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return token
        }
        guard let path = environment["HIPCALL_TOKEN_FILE"], !path.isEmpty else {
            throw .missingToken
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadableTokenFile(path: path)
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .emptyTokenFile(path: path) }
        return token
    }

    /// The configuration with the token shown only as `<redacted>`.
    public var description: String {
        "HipcallConfiguration(baseURL: \(Self.withoutUserInfo(baseURL)), token: <redacted>, connectTimeout: \(connectTimeout), "
            + "requestTimeout: \(requestTimeout), poolSize: \(poolSize), maxResponseBytes: \(maxResponseBytes))"
    }

    public var debugDescription: String { description }
}

/// Why a token could not be loaded; names the variable or file, never the token.
public enum HipcallConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Neither `HIPCALL_TOKEN` nor `HIPCALL_TOKEN_FILE` is set.
    case missingToken
    /// The token file cannot be read as UTF-8 text.
    case unreadableTokenFile(path: String)
    /// The token file holds only whitespace.
    case emptyTokenFile(path: String)

    public var description: String {
        switch self {
        case .missingToken: "no Hipcall token: set HIPCALL_TOKEN or HIPCALL_TOKEN_FILE"
        case .unreadableTokenFile(let path): "cannot read the Hipcall token file \(path)"
        case .emptyTokenFile(let path): "the Hipcall token file \(path) is empty"
        }
    }
}
