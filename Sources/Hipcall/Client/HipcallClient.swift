import AsyncHTTPClient
import Foundation
import HipcallJSON
import NIOCore
import NIOHTTP1
import Synchronization

/// A client for Hipcall's v3 REST API (companies and contacts). It owns one `HTTPClient`;
/// call `shutdown()` when done. Every method throws `HipcallError` and nothing else.
public final class HipcallClient: Sendable {
    /// The configuration this client was built with.
    public let configuration: HipcallConfiguration
    private let http: HTTPClient
    private let apiBase: String
    /// The `Authorization` header value; replaceable when the token is rotated.
    private let authorization: Mutex<String>

    public init(configuration: HipcallConfiguration) {
        self.configuration = configuration
        self.apiBase = configuration.apiRoot
        self.authorization = Mutex("Bearer " + configuration.token.value)
        var httpConfiguration = HTTPClient.Configuration(
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.requestTimeout)),
            connectionPool: .init(
                idleTimeout: .seconds(60),
                concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.poolSize)
            )
        )
        httpConfiguration.redirectConfiguration = .disallow
        httpConfiguration.decompression = .disabled
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
    }

    /// Reads the token again from the configuration's `tokenSource` (a rotated secret) and uses it
    /// for every later request; returns whether it changed. Without a source, or when the source
    /// fails, the current token stays.
    @discardableResult
    public func reloadToken() -> Bool {
        guard let source = configuration.tokenSource, let token = try? source.currentToken() else { return false }
        return replaceToken(token)
    }

    /// Uses `token` for every later request; returns whether it changed.
    @discardableResult
    func replaceToken(_ token: HipcallToken) -> Bool {
        authorization.withLock { current in
            let replacement = "Bearer " + token.value
            let changed = current != replacement
            current = replacement
            return changed
        }
    }

    /// Closes every connection; the client cannot be used afterwards.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Records

    /// The record whose `external_id` is `externalID`, or `nil` on 404.
    public func record(_ resource: HipcallResource, externalID: String) async throws -> HipcallResponse<HipcallRecord?> {
        let route = HipcallRoute(method: "GET", template: "/\(resource.rawValue)/by-external-id/:external_id")
        let answer = try await send(.GET, "/\(resource.rawValue)/by-external-id/\(PathSegment.encode(externalID))", route: route, notFoundIsNil: true)
        guard let body = answer.body else { return answer.with(nil) }
        return answer.with(try Self.record(in: body, route: route, answer: answer))
    }

    /// The record with Hipcall id `id`; a missing one throws a 404 `HipcallError`.
    public func record(_ resource: HipcallResource, id: Int64) async throws -> HipcallResponse<HipcallRecord> {
        let route = HipcallRoute(method: "GET", template: "/\(resource.rawValue)/:id")
        return try await recordAnswer(.GET, "/\(resource.rawValue)/\(id)", route: route)
    }

    /// Creates a record from `fields` (e.g. `name`, `external_id`, `phones`).
    public func create(_ resource: HipcallResource, fields: [String: JSONValue]) async throws -> HipcallResponse<HipcallRecord> {
        let route = HipcallRoute(method: "POST", template: "/\(resource.rawValue)")
        return try await recordAnswer(.POST, "/\(resource.rawValue)", route: route, body: .object(fields))
    }

    /// PATCHes exactly the keys of `fields`; `.null` sends JSON `null` and clears the field.
    public func update(_ resource: HipcallResource, id: Int64, fields: [String: JSONValue]) async throws -> HipcallResponse<HipcallRecord> {
        let route = HipcallRoute(method: "PATCH", template: "/\(resource.rawValue)/:id")
        return try await recordAnswer(.PATCH, "/\(resource.rawValue)/\(id)", route: route, body: .object(fields))
    }

    /// One page of records; `limit` must be 1...``HipcallObservations/maxPageSize``. `sort` is
    /// `<field>.<asc|desc>` (Hipcall's default when nil: oldest first), `q` a text search.
    public func list(
        _ resource: HipcallResource, limit: Int = HipcallObservations.defaultPageSize, offset: Int = 0, sort: String? = nil,
        q: String? = nil
    ) async throws -> HipcallResponse<HipcallPage> {
        let route = HipcallRoute(method: "GET", template: "/\(resource.rawValue)")
        var path = "/\(resource.rawValue)?limit=\(limit)&offset=\(offset)"
        if let sort { path += "&sort=\(PathSegment.encode(sort))" }
        if let q { path += "&q=\(PathSegment.encode(q))" }
        let answer = try await send(.GET, path, route: route)
        guard let object = answer.body?.objectValue, let data = object["data"]?.arrayValue else {
            throw Self.invalid("no data array", route: route, answer: answer)
        }
        let records = try data.map { item in
            guard let record = HipcallRecord(data: item) else { throw Self.invalid("record without id", route: route, answer: answer) }
            return record
        }
        let meta = object["meta"]?.objectValue
        let page = HipcallPage(records: records, count: meta?["count"]?.intValue, offset: meta?["offset"]?.intValue, limit: meta?["limit"]?.intValue)
        return answer.with(page)
    }

    // MARK: Sub-resources

    /// Adds a phone number; returns the updated record when Hipcall sends it back.
    public func addPhone(_ resource: HipcallResource, id: Int64, phone: HipcallPhone) async throws -> HipcallResponse<HipcallRecord?> {
        let route = HipcallRoute(method: "POST", template: "/\(resource.rawValue)/:id/phones")
        return try await optionalRecordAnswer(.POST, "/\(resource.rawValue)/\(id)/phones", route: route, body: .object(["phones": .array([phone.json])]))
    }

    /// Removes the phone number `number` (E.164); returns the updated record when Hipcall sends it back.
    public func removePhone(_ resource: HipcallResource, id: Int64, number: String) async throws -> HipcallResponse<HipcallRecord?> {
        let route = HipcallRoute(method: "DELETE", template: "/\(resource.rawValue)/:id/phones/:number")
        return try await optionalRecordAnswer(.DELETE, "/\(resource.rawValue)/\(id)/phones/\(PathSegment.encode(number))", route: route)
    }

    /// Adds an email address; returns the updated record when Hipcall sends it back.
    public func addEmail(_ resource: HipcallResource, id: Int64, email: HipcallEmail) async throws -> HipcallResponse<HipcallRecord?> {
        let route = HipcallRoute(method: "POST", template: "/\(resource.rawValue)/:id/emails")
        return try await optionalRecordAnswer(.POST, "/\(resource.rawValue)/\(id)/emails", route: route, body: .object(["emails": .array([email.json])]))
    }

    /// Removes the email address `email`; returns the updated record when Hipcall sends it back.
    public func removeEmail(_ resource: HipcallResource, id: Int64, email: String) async throws -> HipcallResponse<HipcallRecord?> {
        let route = HipcallRoute(method: "DELETE", template: "/\(resource.rawValue)/:id/emails/:email")
        return try await optionalRecordAnswer(.DELETE, "/\(resource.rawValue)/\(id)/emails/\(PathSegment.encode(email))", route: route)
    }

    // MARK: Plumbing

    private func recordAnswer(_ method: HTTPMethod, _ path: String, route: HipcallRoute, body: JSONValue? = nil) async throws -> HipcallResponse<HipcallRecord> {
        let answer = try await send(method, path, route: route, body: body)
        guard let json = answer.body else { throw Self.invalid("empty body", route: route, answer: answer) }
        return answer.with(try Self.record(in: json, route: route, answer: answer))
    }

    private func optionalRecordAnswer(_ method: HTTPMethod, _ path: String, route: HipcallRoute, body: JSONValue? = nil) async throws -> HipcallResponse<HipcallRecord?> {
        let answer = try await send(method, path, route: route, body: body)
        guard let json = answer.body, json.objectValue?["data"] != nil else { return answer.with(nil) }
        return answer.with(try Self.record(in: json, route: route, answer: answer))
    }

    private static func record(in body: JSONValue, route: HipcallRoute, answer: Answer) throws -> HipcallRecord {
        guard let data = body.objectValue?["data"], let record = HipcallRecord(data: data) else {
            throw invalid("no data object with an id", route: route, answer: answer)
        }
        return record
    }

    private static func invalid(_ reason: String, route: HipcallRoute, answer: Answer) -> HipcallError {
        HipcallError(status: answer.status, rateLimit: answer.rateLimit, route: route, transport: .unexpectedShape(reason))
    }

    /// A successful HTTP answer before decoding.
    private struct Answer {
        var status: Int
        var body: JSONValue?
        var rateLimit: HipcallRateLimit?

        func with<Value>(_ value: Value) -> HipcallResponse<Value> {
            HipcallResponse(value: value, status: status, rateLimit: rateLimit)
        }
    }

    /// Sends one request and returns a 2xx JSON answer (or a 404 with Hipcall's error body as
    /// `body == nil` when `notFoundIsNil`); anything else becomes a `HipcallError`.
    private func send(_ method: HTTPMethod, _ path: String, route: HipcallRoute, body: JSONValue? = nil, notFoundIsNil: Bool = false) async throws -> Answer {
        var request = HTTPClientRequest(url: apiBase + path)
        request.method = method
        request.headers.add(name: "Authorization", value: authorization.withLock { $0 })
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonText))
        }
        let status: Int
        let headers: HTTPHeaders
        let buffer: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: TimeAmount(configuration.requestTimeout))
            status = Int(response.status.code)
            headers = response.headers
            buffer = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            throw HipcallError(status: nil, route: route, transport: Self.transport(for: error, limit: configuration.maxResponseBytes))
        }
        let rateLimit = HipcallRateLimit { headers.first(name: $0) }
        let json = buffer.readableBytes == 0 ? nil : StrictJSON.parse(Array(buffer.readableBytesView))
        let notJSON: HipcallError.Transport? =
            buffer.readableBytes > 0 && json == nil ? .notJSON(contentType: headers.first(name: "Content-Type")) : nil
        if (200..<300).contains(status) {
            if let notJSON { throw HipcallError(status: status, rateLimit: rateLimit, route: route, transport: notJSON) }
            return Answer(status: status, body: json, rateLimit: rateLimit)
        }
        let error = HipcallError(
            status: status, body: json, rateLimit: rateLimit, route: route,
            transport: (300..<400).contains(status) ? .redirect(location: headers.first(name: "Location")) : notJSON,
            retryAfter: headers.first(name: "Retry-After").flatMap { HipcallRateLimit.retryAfter($0) })
        if error.isNotFound && notFoundIsNil {
            return Answer(status: status, body: nil, rateLimit: rateLimit)
        }
        throw error
    }

    /// Classifies an AsyncHTTPClient or NIO failure; the reason text never includes headers.
    private static func transport(for error: any Error, limit: Int) -> HipcallError.Transport {
        if Task.isCancelled || error is CancellationError { return .cancelled }
        if error is NIOTooManyBytesError { return .bodyTooLarge(limit: limit) }
        if let error = error as? HTTPClientError {
            switch error {
            case .cancelled:
                return .cancelled
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout,
                 .tlsHandshakeTimeout:
                return .timeout
            default:
                return .connection(String(describing: error))
            }
        }
        return .connection(String(describing: error))
    }
}

extension TimeAmount {
    /// The same span as a Swift `Duration`, to the nanosecond; saturates at ±292 years.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (nanoseconds, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        self = .nanoseconds(overflow || overflowAgain ? (seconds < 0 ? .min : .max) : nanoseconds)
    }
}
