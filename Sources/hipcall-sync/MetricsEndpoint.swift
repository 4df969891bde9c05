import Hummingbird
import Logging
import Prometheus

/// The worker's HTTP side: Prometheus `/metrics`, `/healthz` (the process runs) and `/readyz`
/// (it takes work: not while Hipcall refuses the token).
enum MetricsEndpoint {
    static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, isReady: @escaping @Sendable () async -> Bool,
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("metrics") { _, _ -> String in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }
        router.get("healthz") { _, _ -> String in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            await isReady()
                ? Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "paused: Hipcall refuses the API token\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }
}
