import AMQPClient
import ArgumentParser
import Foundation
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
            The token comes from $HIPCALL_TOKEN or the file named by $HIPCALL_TOKEN_FILE and is never logged. \
            Every setting is range-checked before anything connects: a bad value, or a metrics port that \
            cannot be listened on (another worker on this host has it), exits with status 64 and names the \
            flag and its variable.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: "Hipcall host for your region, with or without the guide's /api/v3 (https://use.hipcall.com) [$HIPCALL_BASE_URL, default http://127.0.0.1:8080].")
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

    @Option(help: "How long a paused worker (token refused, wrong base URL) holds its deliveries before it returns them to the queue and stops consuming until Hipcall answers; keep it well below the broker's consumer_timeout [$WORKER_PAUSE_HOLD_LIMIT, default 5m].")
    var pauseHoldLimit: String?

    @Option(help: "How far in the future an event's occurred_at may be; a later one is dead-lettered (occurred_at_in_future) instead of making its record's real events look stale [$WORKER_MAX_CLOCK_SKEW, default 1h].")
    var maxClockSkew: String?

    @Option(help: "How often the worker looks through <prefix>.waiting for contacts whose missing company is synced by now, and replays them [$WORKER_WAITING_REPLAY_INTERVAL, default 10s].")
    var waitingReplayInterval: String?

    @Flag(help: "The guide's plain loop: no id cache, no coalescing (for baseline benchmarks).")
    var noCache = false

    @Option(help: "Log level [$LOG_LEVEL, default info].")
    var logLevel: String?

    func validate() throws {
        _ = try WorkerSettings(self)
        _ = try topology.resolved()
        _ = try broker.addresses()
    }

    func run() async throws {
        let settings = try WorkerSettings(self)
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: settings.level) }
        let logger = Logger(label: "hipcall-sync.worker")
        let topology = try topology.resolved()
        let amqp = try broker.addresses()

        let tokenSource = EnvironmentTokenSource()
        var hipcall = HipcallConfiguration(baseURL: settings.hipcallBaseURL, token: try tokenSource.currentToken(), tokenSource: tokenSource)
        hipcall.poolSize = max(hipcall.poolSize, settings.concurrency)
        var configuration = WorkerConfiguration(
            amqp: amqp, hipcall: hipcall, topology: topology, concurrency: settings.concurrency, prefetch: settings.prefetch,
            linger: settings.linger, retryPolicy: RetryPolicy(delays: topology.retryDelays, maxAttempts: settings.maxAttempts),
            applyStrategy: noCache ? .guideLoop : .engine, authProbeInterval: settings.authProbeInterval, shutdownGracePeriod: settings.shutdownGrace)
        configuration.pauseHoldLimit = settings.pauseHoldLimit
        configuration.maxClockSkew = settings.maxClockSkew
        configuration.waitingReplayInterval = settings.waitingReplayInterval
        let metricsPort = settings.metricsPort
        let metricsHost = EnvironmentDefaults.string(metricsHost, "METRICS_HOST", default: "0.0.0.0")
        if metricsPort > 0 { try Self.checkMetricsPort(host: metricsHost, port: metricsPort) }

        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(MetricsEndpoint.metricsFactory(registry: registry))
        let worker = SyncWorker(configuration: configuration, logger: logger)
        var services: [any Service] = [worker]
        if metricsPort > 0 {
            services.append(
                MetricsEndpoint.application(
                    host: metricsHost, port: metricsPort,
                    registry: registry, notReadyReason: { await worker.notReadyReason() }, logger: logger))
        }
        logger.info(
            "worker starting",
            metadata: [
                "broker": "\(configuration.amqp)", "hipcall": "\(hipcall)", "queue": "\(topology.isPartitioned ? "\(topology.partitions) partitions" : topology.workQueue)",
                "concurrency": "\(settings.concurrency)", "prefetch": "\(settings.prefetch)", "linger": "\(configuration.linger)", "metrics_port": "\(metricsPort)",
            ])
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Exits 64 with one line naming the setting when the metrics port cannot be listened on (a
    /// second worker on the host with the default port), before anything connects.
    private static func checkMetricsPort(host: String, port: Int) throws {
        do throws(PortProbe.Failure) {
            try PortProbe.check(host: host, port: port)
        } catch {
            let line = error.isInUse
                ? "Error: \(WorkerSettings.metricsPortSetting): \(host):\(port) is already in use (another worker on this host?); "
                    + "choose another port, or 0 to turn the endpoint off"
                : "Error: \(WorkerSettings.metricsPortSetting) / --metrics-host / METRICS_HOST: cannot listen on \(host):\(port): \(error.reason)"
            FileHandle.standardError.write(Data((line + "\n").utf8))
            throw ExitCode.validationFailure
        }
    }
}
