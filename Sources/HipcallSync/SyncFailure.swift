/// Why applying an event failed, classified by what to do about it.
public enum SyncFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Retrying cannot help (e.g. a 422 on a field, a 404 on a PATCH target that vanished): dead-letter.
    case permanent(reason: String, status: Int?)
    /// May succeed later (network error, 5xx, 429, timeouts, cancellation): retry with backoff.
    case transient(reason: String, status: Int?)
    /// The event itself is unusable: dead-letter at once.
    case invalidEvent(EventRejection)
    /// The token was refused (401/403). Retried like a transient failure, since rotating the token fixes it,
    /// but counted apart so that operators are alerted.
    case auth(status: Int)

    /// Classifies an HTTP error response: 401/403 → auth; 408, 425, 429 and 5xx → transient;
    /// any other status → permanent. Callers handle the statuses that are part of the sync flow
    /// first (404 on lookup means create; 422 "external_id has already been taken" means look up again).
    public static func forHTTPStatus(_ status: Int, message: String) -> SyncFailure {
        switch status {
        case 401, 403: .auth(status: status)
        case 408, 425, 429, 500...599: .transient(reason: message, status: status)
        default: .permanent(reason: message, status: status)
        }
    }

    /// The value of the `x-hipcall-error-class` header.
    public var errorClass: String {
        switch self {
        case .permanent: "permanent"
        case .transient: "transient"
        case .invalidEvent: "invalid_event"
        case .auth: "auth"
        }
    }

    /// The HTTP status behind the failure, if there was a response.
    public var status: Int? {
        switch self {
        case .permanent(_, let status), .transient(_, let status): status
        case .invalidEvent: nil
        case .auth(let status): status
        }
    }

    /// A human-readable message (not yet truncated).
    public var message: String {
        switch self {
        case .permanent(let reason, _), .transient(let reason, _): reason
        case .invalidEvent(let rejection): rejection.description
        case .auth(let status): "Hipcall refused the API token (HTTP \(status))"
        }
    }

    /// Whether another attempt could succeed.
    public var isRetryable: Bool {
        switch self {
        case .transient, .auth: true
        case .permanent, .invalidEvent: false
        }
    }

    public var description: String { "\(errorClass): \(message)" }
}
