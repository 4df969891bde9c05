import AMQPClient
import ArgumentParser
import Hipcall
import HipcallSync
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `hipcall-sync worker`: consumes CRM events and upserts them into Hipcall until SIGTERM/SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume CRM events from RabbitMQ and upsert them into Hipcall.",
        discussion: """
            Every option falls back to the environment variable named in its help, then to its default. \
            The token comes from $HIPCALL_TOKEN or the file named by $HIPCALL_TOKEN_FILE and is never logged.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: "Hipcall base URL, without /api/v3 [$HIPCALL_BASE_URL, default http://127.0.0.1:8080].")
    var hipcallBaseURL: String?

    @Option(help: "Upserts talking to Hipcall at once [$WORKER_CONCURRENCY, default 32].")
    var concurrency: Int?

    @Option(help: "Deliveries a worker holds at once, unacked (partitioned mode: each partition buffers half as many); events for one record among them coalesce [$WORKER_PREFETCH, default 512].")
    var prefetch: Int?

    @Option(help: "How long an event waits after it arrives before it is decided, so that its record's other events arriving in the same burst coalesce with it [$WORKER_LINGER, default 100ms].")
    var linger: String?

    @Option(help: "Attempts before a transiently failing event is dead-lettered [$WORKER_MAX_ATTEMPTS, default 5].")
    var maxAttempts: Int?

    @Option(help: "Port of /metrics, /healthz and /readyz; 0 turns them off [$METRICS_PORT, default 9090].")
    var metricsPort: Int?

    @Option(help: "Interface for the metrics port [$METRICS_HOST, default 0.0.0.0].")
    var metricsHost: String?

    @Option(help: "How often to probe Hipcall while it refuses the token [$WORKER_AUTH_PROBE_INTERVAL, default 30s].")
    var authProbeInterval: String?

    @Option(help: "How long in-flight upserts may finish after SIGTERM [$WORKER_SHUTDOWN_GRACE, default 20s].")
    var shutdownGrace: String?

    @Flag(help: "The guide's plain loop: no id cache, no coalescing (for baseline benchmarks).")
    var noCache = false

    @Option(help: "Log level [$LOG_LEVEL, default info].")
    var logLevel: String?

    func run() async throws {
        let level = Logger.Level(rawValue: EnvironmentDefaults.string(logLevel, "LOG_LEVEL", default: "info")) ?? .info
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        let logger = Logger(label: "hipcall-sync.worker")

        let concurrency = try EnvironmentDefaults.int(self.concurrency, "WORKER_CONCURRENCY", default: 32)
        let prefetch = try EnvironmentDefaults.int(self.prefetch, "WORKER_PREFETCH", default: 512)
        guard concurrency >= 1, (1...65535).contains(prefetch) else {
            throw ValidationError("--concurrency must be at least 1 and --prefetch between 1 and 65535")
        }
        let maxAttempts = try EnvironmentDefaults.int(self.maxAttempts, "WORKER_MAX_ATTEMPTS", default: 5)
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        let topology = try topology.resolved()

        var hipcall = try HipcallConfiguration.fromEnvironment(
            baseURL: EnvironmentDefaults.string(hipcallBaseURL, "HIPCALL_BASE_URL", default: "http://127.0.0.1:8080"))
        hipcall.poolSize = max(hipcall.poolSize, concurrency)
        let configuration = WorkerConfiguration(
            amqp: try broker.configuration(), hipcall: hipcall, topology: topology, concurrency: concurrency,
            prefetch: UInt16(prefetch),
            linger: try EnvironmentDefaults.duration(EnvironmentDefaults.string(linger, "WORKER_LINGER", default: "100ms"), name: "--linger"),
            retryPolicy: RetryPolicy(delays: topology.retryDelays, maxAttempts: maxAttempts),
            useCacheAndCoalescing: !noCache,
            authProbeInterval: try EnvironmentDefaults.duration(
                EnvironmentDefaults.string(authProbeInterval, "WORKER_AUTH_PROBE_INTERVAL", default: "30s"), name: "--auth-probe-interval"),
            shutdownGracePeriod: try EnvironmentDefaults.duration(
                EnvironmentDefaults.string(shutdownGrace, "WORKER_SHUTDOWN_GRACE", default: "20s"), name: "--shutdown-grace"))

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsEndpoint.metricsFactory(registry: registry))
        let worker = SyncWorker(configuration: configuration, logger: logger)
        var services: [any Service] = [worker]
        let metricsPort = try EnvironmentDefaults.int(self.metricsPort, "METRICS_PORT", default: 9090)
        if metricsPort > 0 {
            services.append(
                MetricsEndpoint.application(
                    host: EnvironmentDefaults.string(metricsHost, "METRICS_HOST", default: "0.0.0.0"), port: metricsPort,
                    registry: registry, notReadyReason: { await worker.notReadyReason() }, logger: logger))
        }
        logger.info(
            "worker starting",
            metadata: [
                "broker": "\(configuration.amqp)", "hipcall": "\(hipcall)", "queue": "\(topology.isPartitioned ? "\(topology.partitions) partitions" : topology.workQueue)",
                "concurrency": "\(concurrency)", "prefetch": "\(prefetch)", "linger": "\(configuration.linger)", "metrics_port": "\(metricsPort)",
            ])
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
