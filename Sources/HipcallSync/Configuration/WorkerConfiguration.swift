import AMQPClient
import Hipcall

/// Everything a worker process needs, gathered from flags and environment by the `worker` command.
public struct WorkerConfiguration: Sendable {
    /// The brokers (a cluster's nodes) the worker's connections use.
    public var amqp: AMQPAddressList
    public var hipcall: HipcallConfiguration
    public var topology: SyncTopology
    /// How many upserts talk to Hipcall at once.
    public var concurrency: Int
    /// How many deliveries a worker holds at once (unacked; per partition queue too in the partitioned
    /// mode): events for one record among them coalesce into one upsert.
    public var prefetch: UInt16
    /// How long after its arrival an event is decided at the earliest: a backlog's events for one
    /// record arrive within a few milliseconds of each other and coalesce into one upsert.
    public var linger: Duration
    public var retryPolicy: RetryPolicy
    /// The coalescer/upserter pair events are applied with: the engine's, or the guide's loop (baseline).
    public var applyStrategy: ApplyStrategy
    public var idCacheCapacity: Int
    /// How often the API is probed while it refuses the token.
    public var authProbeInterval: Duration
    /// How long in-flight upserts may take to finish after SIGTERM.
    public var shutdownGracePeriod: Duration
    /// How long a paused worker (token refused, base URL wrong) holds its deliveries before it returns
    /// them to the queue and stops consuming until Hipcall answers; well below the broker's
    /// `consumer_timeout` (30 min by default), which would otherwise close the channel over them.
    public var pauseHoldLimit: Duration = .seconds(300)
    /// How far in the future an event's `occurred_at` may be; a later one is dead-lettered
    /// (`occurred_at_in_future`) instead of freezing its record.
    public var maxClockSkew: Duration
    /// How often the worker looks through the waiting queue for events whose awaited record is now
    /// synced (``WaitingReplayer``): the bound on how long such an event waits after that.
    public var waitingReplayInterval: Duration = .seconds(10)

    public init(
        amqp: AMQPAddressList, hipcall: HipcallConfiguration, topology: SyncTopology = SyncTopology(), concurrency: Int = 32,
        prefetch: UInt16 = 512, linger: Duration = .milliseconds(100), retryPolicy: RetryPolicy = RetryPolicy(), applyStrategy: ApplyStrategy = .engine,
        idCacheCapacity: Int = 100_000, authProbeInterval: Duration = .seconds(30), shutdownGracePeriod: Duration = .seconds(20),
        maxClockSkew: Duration = .seconds(3600)
    ) {
        self.amqp = amqp
        self.hipcall = hipcall
        self.topology = topology
        self.concurrency = concurrency
        self.prefetch = prefetch
        self.linger = linger
        self.retryPolicy = retryPolicy
        self.applyStrategy = applyStrategy
        self.idCacheCapacity = idCacheCapacity
        self.authProbeInterval = authProbeInterval
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maxClockSkew = maxClockSkew
    }
}
