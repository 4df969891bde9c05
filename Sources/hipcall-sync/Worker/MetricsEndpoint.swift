import Hummingbird
import Logging
import Prometheus

/// The worker's HTTP side: Prometheus `/metrics`, `/healthz` (the process runs) and `/readyz`
/// (it takes work: 503 with the reason while it is paused, e.g. Hipcall refuses the token or
/// `HIPCALL_BASE_URL` is not Hipcall's API root).
enum MetricsEndpoint {
    static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, notReadyReason: @escaping @Sendable () async -> String?,
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
            guard let reason = await notReadyReason() else {
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ready\n")))
            }
            return Response(status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: reason + "\n")))
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
    }

    /// The swift-metrics factory exporting into `registry`: Timers as histograms with swift-prometheus'
    /// default buckets (5 ms to 10 s), except publish-to-ack, which includes the time an event waited
    /// in a backlog: 1 ms to 10 minutes.
    static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["hipcall_sync_publish_to_ack_seconds"] = [
            .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(20), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        ]
        return factory
    }
}
