import Foundation
import Hipcall
import HipcallJSON
import Hummingbird
import NIOConcurrencyHelpers

/// The simulator's shared parts: store, counters, faults and the field validator.
final class SimulatorEngine: Sendable {
    let store: SimulatorStore
    let counter = RequestCounter()
    let faults: NIOLockedValueBox<SimulatorFaults>
    let validator: FieldValidator
    /// Largest request body read, in bytes.
    static let maxRequestBytes = 1 << 20

    init(configuration: SimulatorConfiguration) {
        store = SimulatorStore(tokens: configuration.tokens, ratePerMinute: configuration.rateLimitPerMinute)
        faults = NIOLockedValueBox(configuration.faults)
        validator = FieldValidator(customFieldSlugs: configuration.customFieldSlugs)
    }

    /// Answers one `/api/v3` request: route, auth, rate limit, faults, then the operation.
    /// `segments` is the raw path below `/api/v3`, `query` the raw query string.
    func answer(_ request: Request, segments: ArraySlice<Substring>, query: Substring?) async -> SimulatorAnswer {
        let route = APIRoute(method: request.method, segments: segments)
        let answer = await admittedAnswer(request, route: route, query: query)
        counter.record(method: request.method.rawValue, route: route?.template ?? "unmatched", status: answer.status.code)
        return answer
    }

    private func admittedAnswer(_ request: Request, route: APIRoute?, query: Substring?) async -> SimulatorAnswer {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { return .authenticationRequired }
        let rateLimit: RateLimitState?
        switch store.admit(token: token, now: Date().timeIntervalSince1970) {
        case .unknownToken: return .notAuthorized
        case .limited(let state):
            var answer = SimulatorAnswer.tooManyRequests
            answer.rateLimit = state
            return answer
        case .allowed(let state): rateLimit = state
        }
        var answer: SimulatorAnswer
        if let fault = await injectFault() {
            answer = fault
        } else if let route {
            answer = await perform(route, request: request, token: token, query: query)
        } else {
            answer = .notFound
        }
        answer.rateLimit = rateLimit
        return answer
    }

    /// The token of an `Authorization: Bearer <token>` header.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Sleeps the configured latency, then maybe answers a 5xx or stalls; `nil` to proceed.
    private func injectFault() async -> SimulatorAnswer? {
        let faults = self.faults.withLockedValue { $0 }
        guard faults.isActive else { return nil }
        let delay = faults.latencyMs + (faults.jitterMs > 0 ? Int.random(in: 0...faults.jitterMs) : 0)
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        if faults.stallRate > 0 && Double.random(in: 0..<1) < faults.stallRate {
            try? await Task.sleep(for: .seconds(faults.stallSeconds))
            return .detail(.gatewayTimeout, "Gateway Timeout")
        }
        if faults.errorRate > 0 && Double.random(in: 0..<1) < faults.errorRate {
            let status: HTTPResponse.Status = [.internalServerError, .badGateway, .serviceUnavailable].randomElement()!
            return .detail(status, status.reasonPhrase)
        }
        return nil
    }

    private func perform(_ route: APIRoute, request: Request, token: String, query: Substring?) async -> SimulatorAnswer {
        switch route {
        case .lookup(let resource, let externalID):
            return .from(store.lookup(token: token, resource: resource, externalID: externalID))
        case .get(let resource, let id):
            return .from(store.get(token: token, resource: resource, id: id))
        case .list(let resource):
            return list(resource, token: token, query: query)
        case .create(let resource):
            guard let body = await Self.jsonObject(request) else { return .badRequest }
            let write = validator.validate(body, resource: resource, mode: .create)
            if !write.errors.isEmpty { return .unprocessable(write.errors) }
            return .from(store.create(token: token, resource: resource, changes: write.changes))
        case .update(let resource, let id):
            guard let body = await Self.jsonObject(request) else { return .badRequest }
            let write = validator.validate(body, resource: resource, mode: .update)
            if !write.errors.isEmpty {
                // An unknown record is a 404 even when the body is also wrong.
                if case .notFound = store.get(token: token, resource: resource, id: id) { return .notFound }
                return .unprocessable(write.errors)
            }
            return .from(store.update(token: token, resource: resource, id: id, changes: write.changes))
        case .addItems(let resource, let id, let field):
            guard let body = await Self.jsonObject(request) else { return .badRequest }
            guard let items = FieldValidator.items(Self.itemList(body, field: field), isPhones: field == "phones", startingAt: 0),
                  !items.isEmpty
            else { return .unprocessable([field: .array([.string("is invalid")])]) }
            let result = store.addItems(token: token, resource: resource, id: id, field: field, items: items)
            if case .found(let record) = result { return .record(record, status: .created) }
            return .from(result)
        case .removeItem(let resource, let id, let field, let identity):
            return .from(store.removeItem(token: token, resource: resource, id: id, field: field, identity: identity))
        }
    }

    /// The items of an add body: `{"phones": [...]}`, `{"phone": {...}}` or one bare item object.
    private static func itemList(_ body: [String: JSONValue], field: String) -> JSONValue {
        if let list = body[field] { return list }
        if let single = body[String(field.dropLast())] { return .array([single]) }
        return .array([.object(body)])
    }

    /// `GET /{resource}?limit=&offset=&sort=&q=`, read by ``ListQuery``.
    private func list(_ resource: HipcallResource, token: String, query: Substring?) -> SimulatorAnswer {
        let parameters: ListQuery
        switch ListQuery.parse(QueryString.parse(query), resource: resource) {
        case .success(let parsed): parameters = parsed
        case .failure(let errors): return .unprocessable(errors.fields)
        }
        let page = store.list(token: token, resource: resource, query: parameters)
        var body = #"{"data":["#
        for (index, record) in page.records.enumerated() {
            if index > 0 { body += "," }
            record.write(to: &body)
        }
        body += #"],"meta":{"count":\#(page.count),"limit":\#(parameters.limit),"offset":\#(parameters.offset)}}"#
        return SimulatorAnswer(status: .ok, body: body)
    }

    /// The request body as a JSON object, or `nil` if it is not one.
    static func jsonObject(_ request: Request) async -> [String: JSONValue]? {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: maxRequestBytes) else { return nil }
        return StrictJSON.parse(Array(buffer.readableBytesView))?.objectValue
    }
}

/// Parsing of `application/x-www-form-urlencoded` query strings.
enum QueryString {
    /// Name to value; `+` is a space and escapes are decoded; the last duplicate wins.
    static func parse(_ query: Substring?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (raw: Substring) in PathSegment.decode(raw.replacingOccurrences(of: "+", with: " ")) ?? String(raw) }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
