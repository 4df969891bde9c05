/// Why a worker stopped taking deliveries: the fault is the worker's setup, not the events', so
/// they wait instead of being dead-lettered.
enum PauseReason: Sendable, Hashable {
    /// Hipcall refuses the API token (401/403).
    case auth(status: Int)
    /// `HIPCALL_BASE_URL` is not Hipcall's API root; the text names the URL tried and the answer.
    case misconfigured(String)

    /// `auth` or `misconfigured`, for logs.
    var label: String {
        switch self {
        case .auth: "auth"
        case .misconfigured: "misconfigured"
        }
    }

    /// One line for `/readyz` and the log: what is wrong and what to check.
    var explanation: String {
        switch self {
        case .auth(let status): "Hipcall refuses the API token (HTTP \(status)): check HIPCALL_TOKEN / HIPCALL_TOKEN_FILE"
        case .misconfigured(let answer): "HIPCALL_BASE_URL is not Hipcall's API root: \(answer)"
        }
    }
}
