/// Why a Hipcall call failed: an HTTP error answer or a transport failure, with what the
/// worker needs to decide (race, rate limit, retry, auth). Never carries the token.
public struct HipcallError: Error, Sendable, CustomStringConvertible {
    /// What went wrong at the transport level, when no HTTP answer was received (or it was unusable).
    public enum Transport: Sendable, Hashable {
        /// No answer before the connect or request timeout.
        case timeout
        /// The connection could not be made or broke; the reason is the underlying error's text.
        case connection(String)
        /// The answer's body was larger than `maxResponseBytes`.
        case bodyTooLarge(limit: Int)
        /// The answer could not be read as the documented JSON.
        case invalidResponse(String)
    }

    /// HTTP status, `nil` when no answer was received.
    public var status: Int?
    /// `errors.detail` of the answer, if any.
    public var detail: String?
    /// Field errors of a 422 (`external_id: ["has already been taken"]`).
    public var fieldErrors: [String: [String]]
    /// Rate-limit state from the answer's headers, if any.
    public var rateLimit: HipcallRateLimit?
    /// The request's method and path template.
    public var route: HipcallRoute
    /// The transport failure, when there is one.
    public var transport: Transport?

    public init(
        status: Int?,
        detail: String? = nil,
        fieldErrors: [String: [String]] = [:],
        rateLimit: HipcallRateLimit? = nil,
        route: HipcallRoute,
        transport: Transport? = nil
    ) {
        self.status = status
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.rateLimit = rateLimit
        self.route = route
        self.transport = transport
    }

    /// The cross-worker create race: a 422 whose `external_id` error says it is taken.
    public var isExternalIDTaken: Bool {
        status == 422 && (fieldErrors["external_id"] ?? []).contains { $0.contains("already been taken") }
    }

    /// Hipcall refused the request for the token's rate limit (429).
    public var isRateLimited: Bool { status == 429 }

    /// The token is missing, invalid, expired or lacks rights (401/403).
    public var isAuthFailure: Bool { status == 401 || status == 403 }

    /// The record does not exist in this account (404).
    public var isNotFound: Bool { status == 404 }

    /// Worth trying again later: 5xx, 429, timeouts and connection failures.
    public var isRetryable: Bool {
        if let status { return status >= 500 || status == 429 }
        switch transport {
        case .timeout, .connection: return true
        case .bodyTooLarge, .invalidResponse, nil: return false
        }
    }

    public var description: String {
        var parts = ["Hipcall \(route)"]
        if let status { parts.append("answered \(status)") }
        switch transport {
        case .timeout: parts.append("timed out")
        case .connection(let reason): parts.append("connection failed: \(reason)")
        case .bodyTooLarge(let limit): parts.append("answer body exceeds \(limit) bytes")
        case .invalidResponse(let reason): parts.append("unreadable answer: \(reason)")
        case nil: break
        }
        if let detail { parts.append("detail: \(detail)") }
        if !fieldErrors.isEmpty {
            let fields = fieldErrors.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.joined(separator: ", "))" }
            parts.append("fields: " + fields.joined(separator: "; "))
        }
        if let rateLimit { parts.append("rate limit \(rateLimit.remaining)/\(rateLimit.limit) until \(rateLimit.reset)") }
        return parts.joined(separator: ", ")
    }
}

extension HipcallError {
    /// Builds the error for an HTTP error answer from its `{"errors": ...}` body.
    init(status: Int, body: JSONValue?, rateLimit: HipcallRateLimit?, route: HipcallRoute) {
        var detail: String?
        var fieldErrors: [String: [String]] = [:]
        for (key, value) in body?.objectValue?["errors"]?.objectValue ?? [:] {
            if key == "detail", let text = value.stringValue {
                detail = text
            } else {
                fieldErrors[key] = HipcallError.messages(in: value)
            }
        }
        self.init(status: status, detail: detail, fieldErrors: fieldErrors, rateLimit: rateLimit, route: route)
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
