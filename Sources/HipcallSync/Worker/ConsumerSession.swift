import AMQPClient
import Logging
import Synchronization

/// One connection's consuming, written once for both modes: hands deliveries to the handler with at
/// most `limit` in flight (permits served in delivery order), lets each ``DeliverySource`` decide
/// what may be dispatched, cancels in-flight work when the connection is lost, and on graceful
/// shutdown gives it one grace period (shared by every subscription of the session) before
/// cancelling it. The shared queue has one subscription at a time; the partitioned mode one per
/// partition queue.
final class ConsumerSession: Sendable {
    private let handler: DeliveryHandler
    private let metrics: WorkerMetrics
    private let logger: Logger
    private let permits: FairPermits
    private let inFlight = InFlightCount()
    private let gracePeriod: Duration
    /// Set when the shutdown drain begins: its deadline, and whether the expiry was logged.
    private let grace = Mutex<(deadline: ContinuousClock.Instant, warned: Bool)?>(nil)

    /// - Parameters:
    ///   - limit: the most deliveries dispatched and not settled at once.
    ///   - gracePeriod: how long in-flight work may run once graceful shutdown began.
    init(handler: DeliveryHandler, limit: Int, gracePeriod: Duration, metrics: WorkerMetrics, logger: Logger) {
        self.handler = handler
        self.metrics = metrics
        self.logger = logger
        self.gracePeriod = gracePeriod
        permits = FairPermits(limit)
    }

    /// Dispatches the deliveries of one subscription until its stream ends, then deals with the
    /// in-flight ones as `source` says the end means; throws when it means the session failed.
    func consume(_ consumer: AMQPConsumer, from source: some DeliverySource) async throws {
        var end = SubscriptionEnd.closed
        // A discarding group: settled deliveries are released at once instead of piling up until
        // the subscription ends (a partition can live for millions of deliveries).
        await withDiscardingTaskGroup { group in
            do {
                for try await delivery in consumer {
                    guard await source.arrived(delivery) else { continue }
                    // The permit first: a handover then waits only for deliveries really dispatched.
                    await permits.acquire()
                    // Counted before the source admits it, so that a drain never misses it.
                    metrics.inFlight(inFlight.add())
                    let admission = source.admit()
                    guard admission == .dispatch else {
                        metrics.inFlight(inFlight.subtract())
                        permits.release()
                        if admission == .requeue { try? delivery.nack(requeue: true) }
                        continue
                    }
                    group.addTask {
                        await self.handler.handle(delivery, partition: source.partition)
                        self.permits.release()
                        await source.settled()
                        self.metrics.inFlight(self.inFlight.subtract())
                    }
                }
                end = source.end(after: nil)
            } catch {
                end = source.end(after: error)
            }
            switch end {
            case .failed, .cancelledByBroker: group.cancelAll()
            case .shutdown:
                await drainWithinGrace()
                group.cancelAll()
            case .closed: break
            }
        }
        if case .failed(let error) = end { throw error }
    }

    /// Waits until nothing is in flight, for at most the grace period that began with the first
    /// call (later calls share its deadline); logs once when it expired with work left.
    func drainWithinGrace() async {
        let deadline = grace.withLock { grace in
            if grace == nil { grace = (.now + gracePeriod, false) }
            return grace!.deadline
        }
        let idle = await withTimeout(deadline - .now, fallback: false) {
            await self.inFlight.waitUntilIdle()
            return true
        }
        let left = inFlight.count
        guard !idle, left > 0, isFirstToWarn() else { return }
        logger.warning("in-flight upserts did not finish within the grace period; cancelling them", metadata: ["left": "\(left)"])
    }

    /// True for the first caller after the grace period began (the expiry is logged once).
    private func isFirstToWarn() -> Bool {
        grace.withLock { grace in
            defer { grace?.warned = true }
            return grace?.warned == false
        }
    }
}
