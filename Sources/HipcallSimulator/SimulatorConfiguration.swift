/// How a simulator serves: where it listens, its accounts, its rate limit and its faults.
public struct SimulatorConfiguration: Sendable {
    /// Interface to bind, e.g. `127.0.0.1`.
    public var host: String
    /// TCP port; 0 picks a free one (see `RunningSimulator.port`).
    public var port: Int
    /// One account per token; requests are isolated by the account their token names.
    var tokens: [String]
    /// Requests per token per one-minute window; 0 turns the limit off.
    public var rateLimitPerMinute: Int
    /// Faults injected into `/api/v3` requests.
    var faults: SimulatorFaults
    /// Contact `custom_fields` slugs the accounts define; any other slug is a 422.
    var customFieldSlugs: Set<String>

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        tokens: [String] = ["sim-token"],
        rateLimitPerMinute: Int = 60,
        faults: SimulatorFaults = SimulatorFaults(),
        customFieldSlugs: Set<String> = []
    ) {
        self.host = host
        self.port = port
        self.tokens = tokens
        self.rateLimitPerMinute = rateLimitPerMinute
        self.faults = faults
        self.customFieldSlugs = customFieldSlugs
    }
}

/// Faults injected into API requests (never into `/_sim/` ones).
public struct SimulatorFaults: Sendable, Hashable {
    /// Added to every answer, in milliseconds.
    var latencyMs: Int
    /// Up to this many more milliseconds, uniformly random.
    var jitterMs: Int
    /// Share (0...1) of requests answered 500, 502 or 503 without touching any record.
    public var errorRate: Double
    /// Share (0...1) of requests held `stallSeconds` and then answered 504 without touching any record.
    var stallRate: Double
    /// How long a stalled request is held, in seconds.
    var stallSeconds: Double

    public init(latencyMs: Int = 0, jitterMs: Int = 0, errorRate: Double = 0, stallRate: Double = 0, stallSeconds: Double = 30) {
        self.latencyMs = latencyMs
        self.jitterMs = jitterMs
        self.errorRate = errorRate
        self.stallRate = stallRate
        self.stallSeconds = stallSeconds
    }


    /// Whether any fault is switched on.
    var isActive: Bool { latencyMs > 0 || jitterMs > 0 || errorRate > 0 || stallRate > 0 }
}
