import HTTPTypes
import Hipcall
import HipcallJSON
import Hummingbird

/// A JSON answer before it becomes a Hummingbird `Response`.
struct SimulatorAnswer: Sendable {
    var status: HTTPResponse.Status
    var body: String
    var rateLimit: RateLimitState?
    var contentType = Self.jsonContentType

    static let jsonContentType = "application/json; charset=utf-8"
    static let limitName = HTTPField.Name("x-ratelimit-limit")!
    static let remainingName = HTTPField.Name("x-ratelimit-remaining")!
    static let resetName = HTTPField.Name("x-ratelimit-reset")!

    /// `{"errors":{"detail": detail}}`.
    static func detail(_ status: HTTPResponse.Status, _ detail: String) -> SimulatorAnswer {
        var body = #"{"errors":{"detail":"#
        JSONValue.writeString(detail, to: &body)
        body += "}}"
        return SimulatorAnswer(status: status, body: body)
    }

    /// 404 `{"errors":{"detail":"Not Found"}}`.
    static let notFound = detail(.notFound, "Not Found")
    /// 401 for a request without a bearer token.
    static let authenticationRequired = detail(.unauthorized, "Authentication required. Please provide a valid API token.")
    /// 401 for a token no account has (or an expired one).
    static let notAuthorized = detail(.unauthorized, "Not authorized. The API token is invalid or expired.")
    /// 429 once the token's budget is spent.
    static let tooManyRequests = detail(.tooManyRequests, "Too many requests. Please try again later.")
    /// 404 for a path outside `/api/v3` and `/_sim/`: the host serves a web application there, so
    /// a base URL with a wrong path gets an HTML page, as from Hipcall's own host.
    static let webPageNotFound = SimulatorAnswer(
        status: .notFound, body: "<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>Page not found</h1></body></html>",
        contentType: "text/html; charset=utf-8")
    /// 400 for a body that is not a JSON object.
    static let badRequest = detail(.badRequest, "Bad Request")

    /// 422 `{"errors": {field: [messages]}}`.
    static func unprocessable(_ errors: [String: JSONValue]) -> SimulatorAnswer {
        SimulatorAnswer(status: .unprocessableContent, body: JSONValue.object(["errors": .object(errors)]).jsonText)
    }

    /// `{"data": record}` with the given status.
    static func record(_ record: SimulatedRecord, status: HTTPResponse.Status = .ok) -> SimulatorAnswer {
        var body = #"{"data":"#
        record.write(to: &body)
        body += "}"
        return SimulatorAnswer(status: status, body: body)
    }

    /// Any JSON value with the given status (introspection answers).
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> SimulatorAnswer {
        SimulatorAnswer(status: status, body: value.jsonText)
    }

    /// The store's result as an answer.
    static func from(_ result: StoreResult) -> SimulatorAnswer {
        switch result {
        case .found(let record): .record(record)
        case .created(let record): .record(record, status: .created)
        case .notFound: .notFound
        case .invalid(let errors): .unprocessable(errors)
        }
    }

    /// The Hummingbird response, with the rate-limit headers when known.
    var response: Response {
        var headers = HTTPFields()
        headers.reserveCapacity(5)
        headers[.contentType] = contentType
        if let rateLimit {
            headers[Self.limitName] = String(rateLimit.limit)
            headers[Self.remainingName] = String(rateLimit.remaining)
            headers[Self.resetName] = String(rateLimit.reset)
        }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
