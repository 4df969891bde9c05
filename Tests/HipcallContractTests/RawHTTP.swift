import AsyncHTTPClient
import Foundation
import Hipcall
import HipcallJSON
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// An answer read without the client, for what the client cannot express (no token, `/_sim/`).
struct RawAnswer {
    var status: Int
    var headers: HTTPHeaders
    var json: JSONValue?
}

/// Sends one request with `HTTPClient.shared`; `token` nil sends no `Authorization` header.
func rawRequest(_ method: HTTPMethod, _ url: String, token: String? = nil, body: JSONValue? = nil) async throws -> RawAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    request.headers.add(name: "Accept", value: "application/json")
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body.jsonText))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
    let buffer = try await response.body.collect(upTo: 1 << 22)
    let json = buffer.readableBytes == 0 ? nil : try JSONDecoder().decode(JSONValue.self, from: buffer)
    return RawAnswer(status: Int(response.status.code), headers: response.headers, json: json)
}

extension JSONValue {
    /// The member at `key` of an object, or `nil`.
    subscript(key: String) -> JSONValue? { objectValue?[key] }
}
