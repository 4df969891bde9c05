/// Why applying an event failed, classified by what to do about it.
enum SyncFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// Retrying cannot help (e.g. a 422 on a field, a 404 on a PATCH target that vanished): dead-letter.
    case permanent(reason: String, status: Int?)
    /// May succeed later (network error, 408, 425, 429, 5xx, timeouts): retry with backoff.
    case transient(reason: String, status: Int?)
    /// The event itself is unusable: dead-letter at once.
    case invalidEvent(EventRejection)
    /// The token was refused (401/403): consumption pauses until it works (a rotated token fixes it).
    case auth(status: Int)
    /// The base URL is not Hipcall's API root (a redirect, an answer that is not Hipcall's, a 404 on
    /// a route that always exists): consumption pauses; the event is not at fault. `reason` names
    /// the URL tried and the answer.
    case misconfigured(reason: String, status: Int?)
    /// The upsert was cancelled (shutdown, lost channel, grace expired): not a Hipcall failure, so
    /// no attempt is spent and the delivery goes back to the queue as it is.
    case cancelled

    /// The value of the `x-hipcall-error-class` header.
    var errorClass: String {
        switch self {
        case .permanent: "permanent"
        case .transient: "transient"
        case .invalidEvent: "invalid_event"
        case .auth: "auth"
        case .misconfigured: "misconfigured"
        case .cancelled: "cancelled"
        }
    }

    /// The HTTP status behind the failure, if there was a response.
    var status: Int? {
        switch self {
        case .permanent(_, let status), .transient(_, let status), .misconfigured(_, let status): status
        case .invalidEvent, .cancelled: nil
        case .auth(let status): status
        }
    }

    /// A human-readable message (not yet truncated).
    var message: String {
        switch self {
        case .permanent(let reason, _), .transient(let reason, _), .misconfigured(let reason, _): reason
        case .invalidEvent(let rejection): rejection.description
        case .auth(let status): "Hipcall refused the API token (HTTP \(status))"
        case .cancelled: "cancelled before Hipcall answered"
        }
    }

    /// Why this failure pauses consumption instead of settling the event, if it does.
    var pauseReason: PauseReason? {
        switch self {
        case .auth(let status): .auth(status: status)
        case .misconfigured(let reason, _): .misconfigured(reason)
        case .permanent, .transient, .invalidEvent, .cancelled: nil
        }
    }

    /// Whether another attempt could succeed (the pausing and cancelled cases never reach the
    /// retry policy; were they to, they would be retried, never dead-lettered).
    var isRetryable: Bool {
        switch self {
        case .transient, .auth, .misconfigured, .cancelled: true
        case .permanent, .invalidEvent: false
        }
    }

    var description: String { "\(errorClass): \(message)" }
}
