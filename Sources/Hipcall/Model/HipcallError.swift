import HipcallJSON
/// Why a Hipcall call failed: an HTTP error answer or a transport failure, with what the
/// worker needs to decide (race, rate limit, retry, auth). Never carries the token.
public struct HipcallError: Error, Sendable, CustomStringConvertible {
    /// What went wrong at the transport level, when no HTTP answer was received (or it was unusable).
    enum Transport: Sendable, Hashable {
        /// No answer before the connect or request timeout.
        case timeout
        /// The connection could not be made or broke; the reason is the underlying error's text.
        case connection(String)
        /// The answer's body was larger than `maxResponseBytes`.
        case bodyTooLarge(limit: Int)
        /// A 3xx: Hipcall's API never redirects, so the base URL points somewhere else.
        case redirect(location: String?)
        /// The body is not JSON (e.g. an HTML page), with the answer's `Content-Type`.
        case notJSON(contentType: String?)
        /// The body is JSON but not Hipcall's shape (`{"data": ...}` or `{"errors": ...}`); says what is missing.
        case unexpectedShape(String)
        /// The calling task was cancelled (shutdown, lost channel) before an answer arrived.
        case cancelled
    }

    /// HTTP status, `nil` when no answer was received.
    public var status: Int?
    /// `errors.detail` of the answer, if any.
    var detail: String?
    /// Field errors of a 422 (`external_id: ["has already been taken"]`).
    public var fieldErrors: [String: [String]]
    /// Rate-limit state from the answer's headers, if any.
    public var rateLimit: HipcallRateLimit?
    /// The request's method and path template.
    public var route: HipcallRoute
    /// The transport failure, when there is one.
    var transport: Transport?
    /// The Unix second a `Retry-After` header allows the next request at (bounded), if one came.
    public var retryAfter: Int64?
    /// Whether an error answer's body had Hipcall's `{"errors": {...}}` shape. A 404 without it
    /// comes from something that is not Hipcall's API (a wrong host or path).
    var hasHipcallErrorBody: Bool

    init(
        status: Int?,
        detail: String? = nil,
        fieldErrors: [String: [String]] = [:],
        rateLimit: HipcallRateLimit? = nil,
        route: HipcallRoute,
        transport: Transport? = nil,
        retryAfter: Int64? = nil,
        hasHipcallErrorBody: Bool = false
    ) {
        self.status = status
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.rateLimit = rateLimit
        self.route = route
        self.transport = transport
        self.retryAfter = retryAfter
        self.hasHipcallErrorBody = hasHipcallErrorBody
    }

    /// The cross-worker create race: a 422 whose `external_id` error says it is taken.
    public var isExternalIDTaken: Bool {
        status == 422 && (fieldErrors["external_id"] ?? []).contains { $0.contains("already been taken") }
    }

    /// Hipcall refused the request for the token's rate limit (429).
    public var isRateLimited: Bool { status == 429 }

    /// The token is missing, invalid, expired or lacks rights (401/403).
    var isAuthFailure: Bool { status == 401 || status == 403 }

    /// The record does not exist in this account: a 404 with Hipcall's error body.
    public var isNotFound: Bool { status == 404 && hasHipcallErrorBody }

    /// Worth trying again later: 408, 425, 429, 5xx, timeouts and connection failures.
    public var isRetryable: Bool { failureClass == .transient }

    /// What kind of failure this is: the one classification of Hipcall's answers.
    public var failureClass: HipcallFailureClass {
        if transport == .cancelled { return .cancelled }
        guard let status else {
            switch transport {
            case .timeout, .connection: return .transient
            case .redirect, .notJSON, .unexpectedShape: return .misconfigured
            case .bodyTooLarge, .cancelled, nil: return .permanent
            }
        }
        switch status {
        case 401, 403: return .auth
        case 408, 425, 429, 500...599: return .transient
        case 300..<400, 200..<300: return .misconfigured
        // A collection route (`POST /companies`, `GET /companies`) always exists at Hipcall's root.
        case 404 where !route.template.contains(":"): return .misconfigured
        // Hipcall's errors always carry `{"errors": ...}`; another body is some other server's.
        case 400..<500 where !hasHipcallErrorBody: return .misconfigured
        default: return .permanent
        }
    }

    public var description: String { "Hipcall \(route), \(outcome)" }

    /// What happened, without the route: the status or transport failure, detail, fields and limits.
    public var outcome: String {
        var parts: [String] = []
        if let status { parts.append("answered \(status)") }
        switch transport {
        case .timeout: parts.append("timed out")
        case .connection(let reason): parts.append("connection failed: \(reason)")
        case .bodyTooLarge(let limit): parts.append("answer body exceeds \(limit) bytes")
        case .redirect(let location): parts.append("redirect to \(location.map { String($0.prefix(200)) } ?? "nowhere")")
        case .notJSON(let contentType): parts.append("body is not JSON (Content-Type \(contentType.map { String($0.prefix(100)) } ?? "none"))")
        case .unexpectedShape(let reason): parts.append("body is not Hipcall's shape: \(reason)")
        case .cancelled: parts.append("cancelled")
        case nil:
            if let status, status >= 400, !hasHipcallErrorBody { parts.append("without Hipcall's {\"errors\": ...} body") }
        }
        if let detail { parts.append("detail: \(detail)") }
        if !fieldErrors.isEmpty {
            let fields = fieldErrors.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.joined(separator: ", "))" }
            parts.append("fields: " + fields.joined(separator: "; "))
        }
        if let rateLimit { parts.append("rate limit \(rateLimit.remaining)/\(rateLimit.limit) until \(rateLimit.reset)") }
        if let retryAfter { parts.append("retry after \(retryAfter)") }
        return parts.isEmpty ? "failed" : parts.joined(separator: ", ")
    }
}

extension HipcallError {
    /// Builds the error for an HTTP error answer from its `{"errors": ...}` body.
    init(status: Int, body: JSONValue?, rateLimit: HipcallRateLimit?, route: HipcallRoute, transport: Transport?, retryAfter: Int64?) {
        var detail: String?
        var fieldErrors: [String: [String]] = [:]
        let errors = body?.objectValue?["errors"]?.objectValue
        for (key, value) in errors ?? [:] {
            if key == "detail", let text = value.stringValue {
                detail = text
            } else {
                fieldErrors[key] = HipcallError.messages(in: value)
            }
        }
        self.init(
            status: status, detail: detail, fieldErrors: fieldErrors, rateLimit: rateLimit, route: route, transport: transport,
            retryAfter: retryAfter, hasHipcallErrorBody: errors != nil)
    }

    /// Flattens a field's messages; nested objects (custom fields) become `slug: message`.
    private static func messages(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): return [text]
        case .array(let items): return items.flatMap(messages(in:))
        case .object(let members):
            return members.sorted { $0.key < $1.key }.flatMap { key, nested in
                messages(in: nested).map { "\(key): \($0)" }
            }
        default: return [value.jsonText]
        }
    }
}

/// What a failed Hipcall call means for the worker; ``HipcallError/failureClass`` is the one place
/// that decides it.
public enum HipcallFailureClass: Sendable, Hashable {
    /// The token is refused (401/403): pause until it works.
    case auth
    /// Try again later: 408, 425, 429, 5xx, a timeout or a broken connection.
    case transient
    /// The base URL is not Hipcall's API root: a redirect, an answer that is not JSON or not
    /// Hipcall's shape, a 404 on a route that always exists. Pause; the events are not at fault.
    case misconfigured
    /// The request itself is refused (a 422, a 404 on a vanished record): retrying cannot help.
    case permanent
    /// The call was cancelled; nothing is known about the request.
    case cancelled
}
