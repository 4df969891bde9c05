import AMQPClient

/// Short-lived channels for the topology tools: a 404 or 406 closes the channel it happens on, so
/// each probe or change gets a channel of its own.
extension AMQPConnection {
    /// Runs `body` on a channel of its own, closed after (whatever `body` did).
    func withFreshChannel<Result: Sendable>(_ body: (AMQPChannel) async throws -> Result) async throws -> Result {
        let channel = try await openChannel()
        do {
            let result = try await body(channel)
            try? await channel.close()
            return result
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// The queue's counts from a passive declare, `nil` when it does not exist (404).
    func queueInfo(_ queue: String) async throws -> AMQPQueueInfo? {
        do {
            return try await withFreshChannel { try await $0.declareQueue(queue, passive: true) }
        } catch let error as AMQPError where error.replyCode == 404 {
            return nil
        }
    }
}
