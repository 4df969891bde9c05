import AMQPClient
import SyntheticLoad

extension PublishPipeline {
    /// Connects, runs `prepare` on the channel (declaring the topology, say), enables confirms,
    /// publishes `events` while a progress line shows, and closes the connection: what every
    /// publishing command (`publish`, `reconcile --repair`, `resync`) does.
    static func publish<Events: Collection<OutgoingEvent> & Sendable>(
        _ events: Events, amqp: AMQPAddressList, exchange: String, window: Int = 1000, rate: Double = 0,
        prepare: (AMQPChannel) async throws -> Void = { _ in }
    ) async throws -> Tally {
        let connection = try await AMQPConnection.connect(amqp)
        do {
            let channel = try await connection.openChannel()
            try await prepare(channel)
            try await channel.enableConfirms()
            let progress = PublishProgress(total: events.count)
            let pipeline = PublishPipeline(channel: channel, exchange: exchange, window: window, rate: rate, progress: progress)
            let tally = try await ProgressLine.showing({ progress.line() }) { await pipeline.run(events) }
            await connection.close()
            return tally
        } catch {
            await connection.close()
            throw error
        }
    }
}
