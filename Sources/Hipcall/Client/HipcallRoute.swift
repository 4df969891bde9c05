/// A request's method and path template (`GET /companies/by-external-id/:external_id`),
/// used in errors and logs instead of the concrete path so no identifier or token leaks.
public struct HipcallRoute: Sendable, Hashable, CustomStringConvertible {
    /// HTTP method, upper case.
    public var method: String
    /// Path template relative to `/api/v3`.
    public var template: String

    init(method: String, template: String) {
        self.method = method
        self.template = template
    }

    public var description: String { "\(method) \(template)" }
}
