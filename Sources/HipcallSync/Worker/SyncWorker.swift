import AMQPClient
import Hipcall
import Logging
import ServiceLifecycle
import Synchronization

/// The sync worker as a swift-service-lifecycle `Service`: declares the topology, reads the journal,
/// consumes the work queue holding up to `prefetch` deliveries (of which `concurrency` upsert at
/// once), and reconnects with backoff when
/// the broker goes away. On graceful shutdown it cancels its consumer, returns deliveries that
/// did not start to the queue, lets in-flight upserts finish within the grace period, and closes
/// its connections.
public final class SyncWorker: Service, Sendable {
    let configuration: WorkerConfiguration
    let logger: Logger
    /// This process's id in the fleet: its journal markers and presence heartbeats carry it.
    let id: String
    /// The workers heard from lately (``FleetPresence``): the rate limiter's share of the budget, and
    /// the partitioned mode's balance, are counted there.
    let peers: PeerSet
    /// Paces this worker's API calls to its share of the token's budget.
    let limiter: RateLimiter
    let metrics = WorkerMetrics()
    let client: HipcallClient
    /// Holds deliveries while the worker is paused (token refused, base URL wrong).
    let pauseGate = PauseGate()
    /// Checks the API at start and while paused; opens the gate when Hipcall answers properly.
    let prober: PauseProber
    let handler: DeliveryHandler
    let journal: JournalFollower?
    /// Scans Hipcall's lists when cheaper than lookups (``scanPlanning(on:)``); nil for the guide's loop.
    let scanner: ListScanner?
    private let publisher: ReliablePublisher
    /// Which of the worker's broker connections RabbitMQ blocks (resource alarm).
    let brokerFlow: BrokerFlow
    /// The queue whose settings kept the last declare from passing, until a declare passes: the
    /// worker consumes nothing meanwhile, so it is not ready (a rollout onto an unmigrated broker
    /// then stops at the first new worker instead of replacing every consuming one).
    private let topologyMismatch = Mutex<TopologyMismatch?>(nil)

    public init(configuration: WorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let id = "worker-\(UInt64.random(in: .min ... .max))"
        self.id = id
        let peers = PeerSet(me: id)
        self.peers = peers
        client = HipcallClient(configuration: configuration.hipcall)
        brokerFlow = BrokerFlow(metrics: metrics)
        publisher = ReliablePublisher(brokers: configuration.amqp, logger: logger, flow: brokerFlow)
        let limiter = RateLimiter(fleetShare: { peers.apiShare(at: .now, window: FleetPresence.silenceLimit) })
        self.limiter = limiter
        let caller = HipcallCaller(client: client, limiter: limiter, metrics: metrics)
        prober = PauseProber(caller: caller, gate: pauseGate, interval: configuration.authProbeInterval, metrics: metrics, logger: logger)
        let parts = configuration.applyStrategy.build(
            ApplyContext(
                configuration: configuration, caller: caller, limiter: limiter, publisher: publisher, workerID: id, peers: peers, logger: logger))
        journal = parts.journal?.follower
        scanner = parts.scanner
        handler = DeliveryHandler(
            topology: configuration.topology, decoder: EventDecoder(maxClockSkew: configuration.maxClockSkew),
            coalescer: parts.coalescer, upserter: parts.upserter,
            publisher: publisher, journal: parts.journal?.appender,
            heldAnnouncement: parts.heldElsewhere.map { _ in (limiter, id) },
            retryPolicy: configuration.retryPolicy, pauses: prober, metrics: metrics, logger: logger)
    }

    /// Why the worker should not receive work now (for `/readyz`), or nil when it is ready. Each
    /// condition is one line here.
    public func notReadyReason() async -> String? {
        if let pause = pauseGate.pause { return "paused: \(pause.reason.explanation)" }
        if let reason = brokerFlow.blockedReason { return "the broker blocks this worker's connection: \(reason)" }
        if let mismatch = topologyMismatch.withLock({ $0 }) { return "cannot declare the topology: \(mismatch)" }
        return nil
    }

    /// Whether the worker should receive work: false while it is paused.
    public func isReady() async -> Bool {
        await notReadyReason() == nil
    }

    public func run() async throws {
        let backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(15))
        var failures = 0
        // The broker address the last connection was on: a reconnect tries the next one first.
        var lastBroker: AMQPConfiguration?
        defer { logger.info("worker stopped") }
        // Publish every gauge from the start, so dashboards and alerts see zeros, not gaps.
        metrics.inFlight(0)
        metrics.lockWaiters(0)
        metrics.authPaused(false)
        metrics.misconfigured(false)
        metrics.brokerBlocked(false)
        // A typo in HIPCALL_BASE_URL or a bad token is reported before the first event; the worker
        // then starts paused rather than exiting.
        await cancelWhenGracefulShutdown { await self.prober.checkAtStart() }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.prober.run() }
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    try await consumeOnce(lastBroker: &lastBroker)
                    if Task.isShuttingDownGracefully { break }
                    failures = 0
                } catch {
                    let delay = backoff.delay(attempt: failures)
                    failures += 1
                    if let mismatch = error as? TopologyMismatch {
                        // It consumes nothing until the queue is migrated, then comes up by itself.
                        logger.error("cannot declare the topology", metadata: ["error": "\(mismatch)", "retry_in": "\(delay)"])
                    } else {
                        logger.warning("lost the broker; reconnecting", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
                    }
                    try? await Task.sleep(for: delay)
                }
            }
            group.cancelAll()
        }
        await publisher.close()
        try? await client.shutdown()
    }

    /// One connection's life: connect (to the broker address after `lastBroker`, which is then set to
    /// the address connected to), declare, read the journal, consume until the consumer ends or
    /// shutdown begins.
    private func consumeOnce(lastBroker: inout AMQPConfiguration?) async throws {
        let connection = try await AMQPConnection.connect(
            configuration.amqp, after: lastBroker, logger: logger, onFlowChange: brokerFlow.observer())
        lastBroker = connection.configuration
        let channel = try await connection.openChannel()
        do {
            try await configuration.topology.declare(on: channel)
            topologyMismatch.withLock { $0 = nil }
        } catch let mismatch as TopologyMismatch {
            topologyMismatch.withLock { $0 = mismatch }
            await connection.close()
            throw mismatch
        }
        do {
            try await followingJournal(on: connection) {
                try await self.consume(on: connection, channel: channel)
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// How long a worker waits to have read the journal before it consumes anyway.
    static let journalCatchUpLimit: Duration = .seconds(30)

    /// Runs `body` while the journal is followed on `connection`, starting it once the journal's
    /// past is read (or after ``journalCatchUpLimit``). The baseline (no cache, no coalescing) skips it.
    private func followingJournal(on connection: AMQPConnection, _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let journal else { return try await body() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // true once the journal is read, false when the limit passed first.
            let (caughtUp, signal) = AsyncStream<Bool>.makeStream()
            group.addTask {
                do {
                    try await journal.follow(on: connection) { signal.yield(true) }
                } catch where !Task.isCancelled {
                    self.logger.error("stopped reading the journal", metadata: ["error": "\(error)"])
                }
                signal.finish()
            }
            group.addTask {
                try? await Task.sleep(for: Self.journalCatchUpLimit)
                signal.yield(false)
            }
            if await caughtUp.first(where: { _ in true }) != true {
                logger.warning("the journal was not read in time; consuming anyway")
            }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// Consumes the work queue (or the partition queues) on a connection whose topology is declared,
    /// in one ``ConsumerSession``, while the worker's ``FleetPresence`` runs beside.
    private func consume(on connection: AMQPConnection, channel: AMQPChannel) async throws {
        let presence = FleetPresence(topology: configuration.topology, peers: peers, limiter: limiter, metrics: metrics,
            isBlocked: { [brokerFlow] in brokerFlow.blockedReason != nil }, publisher: publisher)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await presence.run(on: connection) }
            if self.journal != nil {
                // Only the journal tells a waiting contact's company synced (the guide's loop sends none there).
                let waiting = WaitingReplayer(
                    topology: self.configuration.topology, upserter: self.handler.upserter, publisher: self.publisher,
                    interval: self.configuration.waitingReplayInterval, metrics: self.metrics, logger: self.logger)
                group.addTask { await waiting.run(on: connection) }
            }
            if let planning = await self.scanPlanning(on: connection) { group.addTask { await planning() } }
            group.addTask {
                let session = ConsumerSession(
                    handler: self.handler, limit: Int(self.configuration.prefetch), gracePeriod: self.configuration.shutdownGracePeriod,
                    metrics: self.metrics, logger: self.logger)
                if self.configuration.topology.isPartitioned {
                    try await self.consumePartitions(on: connection, session: session)
                } else {
                    try await self.consumeWorkQueue(channel: channel, session: session)
                }
            }
            // Consumption ends (shutdown) or fails, or the presence fails with the connection: either ends both.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// Consumes the shared work queue until shutdown, stepping aside while a pause lasts too long.
    private func consumeWorkQueue(channel: AMQPChannel, session: ConsumerSession) async throws {
        try await channel.qos(prefetchCount: configuration.prefetch)
        while !Task.isShuttingDownGracefully {
            if let pause = pauseGate.pause, ContinuousClock.now - pause.since >= configuration.pauseHoldLimit {
                // Paused for long (see below): take no deliveries until Hipcall answers properly.
                guard await cancelWhenGracefulShutdown({ await self.pauseGate.waitUntilOpen() }) else { return }
                logger.notice("consuming again after the pause", metadata: ["queue": "\(configuration.topology.workQueue)"])
            }
            guard try await consumeUntilPausedTooLong(channel: channel, session: session) else { return }
        }
    }

    /// One subscription to the work queue: dispatches deliveries until shutdown, a lost connection
    /// (throws) or a pause that outlasts `pauseHoldLimit` (returns true). Then the held deliveries go
    /// back to the queue once and the consumer is cancelled, so that the broker's `consumer_timeout`
    /// never closes the channel over them (which redelivers everything and, on quorum queues, spends
    /// their `x-delivery-limit`: repeated, that dead-letters the backlog).
    private func consumeUntilPausedTooLong(channel: AMQPChannel, session: ConsumerSession) async throws -> Bool {
        let queue = configuration.topology.workQueue
        let consumer = try await channel.consume(queue: queue, bodyLimit: bodyLimit(for: queue))
        logger.info(
            "consuming", metadata: ["queue": "\(configuration.topology.workQueue)", "broker": "\(channel.connection.configuration)"])
        let pausedTooLong = SessionFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Stop taking deliveries as soon as shutdown begins; the stream then ends.
                try? await gracefulShutdown()
                try? await consumer.cancel()
            }
            group.addTask {
                let limit = self.configuration.pauseHoldLimit
                guard let pause = await self.pauseGate.outlasting(limit) else { return }
                pausedTooLong.set()
                // Cancel first: deliveries returned while the subscription is live come straight back
                // (each redelivery spending the quorum queue's delivery limit), as the partitioned path
                // avoids by closing its channels before it returns the held deliveries.
                try? await consumer.cancel()
                let held = self.pauseGate.returnHeld(pause: pause.number)
                self.logger.warning(
                    "paused for longer than the hold limit; returned the held deliveries to the queue and stopped consuming until Hipcall answers properly",
                    metadata: ["held": "\(held)", "limit": "\(limit)", "reason": "\(pause.reason.label)"])
            }
            try await session.consume(consumer, from: SharedQueueSource(pausedTooLong: pausedTooLong))
            group.cancelAll()
        }
        return pausedTooLong.isSet
    }
}
