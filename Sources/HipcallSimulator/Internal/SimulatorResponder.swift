import Hummingbird

/// Hummingbird responder for the whole simulator. It routes on the raw request path, so a
/// percent-encoded `/` inside an external id never splits a path segment.
struct SimulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let engine: SimulatorEngine
    let introspection: IntrospectionHandler

    func respond(to request: Request, context: Context) async throws -> Response {
        let target = Substring(request.head.path ?? "/")
        let queryStart = target.firstIndex(of: "?")
        let path = queryStart.map { target[..<$0] } ?? target
        let query = queryStart.map { target[target.index(after: $0)...] }
        // Split before decoding; "" first because the path starts with "/".
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.count >= 3 && segments[1] == "api" && segments[2] == "v3" {
            return await engine.answer(request, segments: segments[3...], query: query).response
        }
        if segments.count >= 2 && segments[1] == "_sim" {
            return await introspection.answer(request, segments: segments[2...]).response
        }
        return SimulatorAnswer.webPageNotFound.response
    }
}
