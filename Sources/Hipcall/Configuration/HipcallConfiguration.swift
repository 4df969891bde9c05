import Foundation

/// Where and how to reach Hipcall. The token is never printed: `description` redacts it.
public struct HipcallConfiguration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Scheme, host and optional port, e.g. `https://use.hipcall.com`; the client appends `/api/v3`
    /// unless the URL already ends with it (the guide writes `https://use.hipcall.com/api/v3`).
    var baseURL: String
    /// The bearer token.
    var token: HipcallToken
    /// Where a replacement token is read when Hipcall refuses this one (see
    /// ``HipcallClient/reloadToken()``); `nil` keeps `token` for the client's life.
    var tokenSource: (any HipcallTokenSource)?
    /// Time allowed to open a connection.
    var connectTimeout: Duration
    /// Time allowed for a whole request, from sending to the last byte of the answer.
    var requestTimeout: Duration
    /// Most connections kept open to the host at once.
    public var poolSize: Int
    /// Largest answer body accepted, in bytes.
    var maxResponseBytes: Int

    public init(
        baseURL: String,
        token: HipcallToken,
        tokenSource: (any HipcallTokenSource)? = nil,
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        poolSize: Int = 8,
        maxResponseBytes: Int = 4 * 1024 * 1024
    ) {
        self.baseURL = baseURL
        self.token = token
        self.tokenSource = tokenSource
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

    /// The configuration with the token shown only as `<redacted>`.
    public var description: String {
        "HipcallConfiguration(baseURL: \(Self.withoutUserInfo(baseURL)), token: <redacted>, connectTimeout: \(connectTimeout), "
            + "requestTimeout: \(requestTimeout), poolSize: \(poolSize), maxResponseBytes: \(maxResponseBytes))"
    }

    public var debugDescription: String { description }
}
