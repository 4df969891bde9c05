import HTTPTypes
import HipcallSimulator
import Hummingbird
import Logging
import NIOCore

/// An HTTP server whose every answer a test scripts, for answers the simulator never gives because
/// Hipcall's API does not (a redirect, an HTML page from a wrong host, a non-JSON 200, a 408 from a
/// load balancer, rate-limit headers in milliseconds or at 9e18, `Retry-After` from a proxy). The
/// script may also forward a request to a real simulator, to fail only some requests.
public enum ScriptedServer {
    /// One request as the script sees it.
    public struct Request: Sendable {
        /// HTTP method, upper case.
        public var method: String
        /// Path and query as sent, e.g. `/api/v3/companies?limit=1`.
        public var target: String
        /// Every header, names lower case.
        public var headers: [(name: String, value: String)]
        /// The body, up to 1 MiB.
        public var body: [UInt8]

        /// The first value of header `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    /// One scripted answer.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: String

        public init(status: Int, headers: [(name: String, value: String)] = [], body: String = "") {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// Starts a server on `127.0.0.1` (a free port) answering with `script`; returns once it listens.
    public static func start(_ script: @escaping @Sendable (Request) async -> Answer) async throws -> RunningScriptedServer {
        let responder = Responder(script: script)
        return try await InProcessServer.start(host: "127.0.0.1") { onListening in
            try await Application(
                responder: responder,
                configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil),
                onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                logger: Logger(label: "scripted-server")
            ).run()
        }
    }

    private struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let script: @Sendable (Request) async -> Answer

        func respond(to request: Hummingbird.Request, context: Context) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let scripted = await script(
                Request(
                    method: request.method.rawValue, target: request.head.path ?? "/",
                    headers: request.headers.map { ($0.name.canonicalName, $0.value) }, body: Array(body.readableBytesView)))
            var headers = HTTPFields()
            for (name, value) in scripted.headers {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            return Response(
                status: HTTPResponse.Status(code: scripted.status), headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: scripted.body)))
        }
    }
}

/// A scripted server serving in this process (on 127.0.0.1); `stop()` it when done.
public typealias RunningScriptedServer = InProcessServer
