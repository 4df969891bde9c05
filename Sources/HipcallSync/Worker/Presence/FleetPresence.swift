import AMQPClient
import Logging

/// This worker's place in the fleet, in both modes: about once a second it sends a ``Heartbeat`` to
/// the presence fanout saying whether it is spending API calls and what it knows of the budget, and it
/// hears everyone's through a private queue bound to the fanout: the senders into the ``PeerSet``, their
/// budget into the ``RateLimiter``. The rate limiter paces each worker to its share of the token's
/// budget by the active workers counted there; the partitioned mode balances partitions over the live ones.
struct FleetPresence: Sendable {
    let topology: SyncTopology
    let peers: PeerSet
    /// This worker's limiter: it says whether this worker spends calls, and learns what peers know.
    let limiter: RateLimiter
    let metrics: WorkerMetrics
    /// Whether the broker blocks this worker's connections (a resource alarm): no heartbeat is sent then.
    let isBlocked: @Sendable () -> Bool
    /// Sends the heartbeats on the worker's publishing connection: a publish on the consuming one
    /// would make RabbitMQ block it in an alarm, holding its acks and the worker's shutdown.
    let publisher: ReliablePublisher

    /// How long a worker not heard from still counts as alive.
    static let silenceLimit: Duration = .seconds(5)

    /// The private presence queue of worker `id`: exclusive, so the broker deletes it when the worker's
    /// connection ends (a SIGKILL included), which tells the others it is gone before its silence does.
    static func queue(of id: String, in topology: SyncTopology) -> String {
        "\(topology.presenceExchange).\(id)"
    }

    /// Sends heartbeats and hears the fleet's on `connection` until cancelled or the connection fails.
    func run(on connection: AMQPConnection) async throws {
        let listening = try await connection.openChannel()
        let queue = Self.queue(of: peers.me, in: topology)
        _ = try await listening.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try await listening.bindQueue(queue, exchange: topology.presenceExchange, routingKey: "")
        let heartbeats = try await listening.consume(queue: queue, exclusive: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in heartbeats {
                    try? message.ack()
                    guard let heartbeat = Heartbeat(headers: message.headers), heartbeat.sender != peers.me else { continue }
                    peers.heard(heartbeat.sender, active: heartbeat.active)
                    if let budget = heartbeat.budget { await limiter.learn(budget) }
                }
            }
            group.addTask {
                while true {
                    if isBlocked() {
                        try await Task.sleep(for: .milliseconds(500))
                        continue
                    }
                    let heartbeat = Heartbeat(sender: peers.me, active: await limiter.isActive, budget: await limiter.budgetView)
                    _ = try? await publisher.publish(
                        exchange: topology.presenceExchange, routingKey: "", body: [], properties: heartbeat.properties)
                    metrics.apiShare(peers.apiShare(at: .now, window: Self.silenceLimit))
                    try await Task.sleep(for: .milliseconds(Int.random(in: 700...1300)))
                }
            }
            // Either child ends only by failing (the connection is gone) or by cancellation.
            _ = try await group.next()
            group.cancelAll()
        }
    }
}
