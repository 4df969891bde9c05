import Hipcall
import Hummingbird

/// A matched `/api/v3` route, with its path values percent-decoded.
enum APIRoute: Sendable {
    case list(HipcallResource)
    case create(HipcallResource)
    case lookup(HipcallResource, externalID: String)
    case get(HipcallResource, id: Int64)
    case update(HipcallResource, id: Int64)
    /// `POST /{resource}/{id}/phones` or `/emails`.
    case addItems(HipcallResource, id: Int64, field: String)
    /// `DELETE /{resource}/{id}/phones/{number}` or `/emails/{email}`.
    case removeItem(HipcallResource, id: Int64, field: String, identity: String)

    /// The route template counted in the stats.
    var template: String {
        switch self {
        case .list(let resource), .create(let resource): "/api/v3/\(resource.rawValue)"
        case .lookup(let resource, _): "/api/v3/\(resource.rawValue)/by-external-id/:external_id"
        case .get(let resource, _), .update(let resource, _): "/api/v3/\(resource.rawValue)/:id"
        case .addItems(let resource, _, let field): "/api/v3/\(resource.rawValue)/:id/\(field)"
        case .removeItem(let resource, _, let field, _): "/api/v3/\(resource.rawValue)/:id/\(field)/\(field == "phones" ? ":number" : ":email")"
        }
    }

    /// Matches a raw (still percent-encoded) path below `/api/v3`, split on `/`. Path values are
    /// decoded only after splitting, so an encoded `/` (`%2F`) stays inside its value.
    init?(method: HTTPRequest.Method, segments: ArraySlice<Substring>) {
        let parts = Array(segments)
        guard let first = parts.first, let resource = HipcallResource(rawValue: String(first)) else { return nil }
        switch (method, parts.count) {
        case (.get, 1): self = .list(resource)
        case (.post, 1): self = .create(resource)
        case (.get, 3...) where parts[1] == "by-external-id":
            guard let externalID = PathSegment.decode(parts[2...].joined(separator: "/")), !externalID.isEmpty else { return nil }
            self = .lookup(resource, externalID: externalID)
        case (.get, 2), (.patch, 2), (.put, 2):
            guard let id = Int64(parts[1]) else { return nil }
            self = method == .get ? .get(resource, id: id) : .update(resource, id: id)
        case (.post, 3):
            guard let id = Int64(parts[1]), parts[2] == "phones" || parts[2] == "emails" else { return nil }
            self = .addItems(resource, id: id, field: String(parts[2]))
        case (.delete, 4):
            guard let id = Int64(parts[1]), parts[2] == "phones" || parts[2] == "emails",
                  let identity = PathSegment.decode(parts[3]), !identity.isEmpty
            else { return nil }
            self = .removeItem(resource, id: id, field: String(parts[2]), identity: identity)
        default:
            return nil
        }
    }
}
