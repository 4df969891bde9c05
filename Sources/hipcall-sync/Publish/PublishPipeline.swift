import AMQPClient
import HipcallSync
import SyntheticLoad

/// Publishes events in order with publisher confirms, keeping up to `window` publishes in flight
/// and pacing to `rate` events a second (0: as fast as the broker confirms).
struct PublishPipeline {
    let channel: AMQPChannel
    let exchange: String
    let window: Int
    let rate: Double
    let progress: PublishProgress

    /// How one publish ended.
    private enum Outcome: Sendable {
        case confirmed(latency: Duration)
        case returned(latency: Duration)
        case nacked
        case failed(any Error)
    }

    /// What a run achieved.
    struct Tally: Sendable {
        var published = 0
        var confirmed = 0
        var returned = 0
        var nacked = 0
        /// Confirm latencies of confirmed and returned publishes.
        var latencies: [Duration] = []
        /// The first broker or connection failure, after which nothing more was published.
        var failure: (any Error)?
        var elapsed: Duration = .zero
    }

    /// Publishes every event (stopping early on a broker failure) and waits for all their confirms.
    func run<Events: Collection<OutgoingEvent> & Sendable>(_ events: Events) async -> Tally {
        var tally = Tally()
        tally.latencies.reserveCapacity(events.count)
        let start = ContinuousClock.now
        let interval = rate > 0 ? Duration.seconds(1 / rate) : nil
        await withTaskGroup(of: Outcome.self) { group in
            var inFlight = 0
            for (index, event) in zip(0..., events) {
                if tally.failure != nil { break }
                if let interval {
                    let due = start + interval * index
                    if due > .now { try? await Task.sleep(until: due, clock: .continuous) }
                }
                if inFlight >= window, let outcome = await group.next() {
                    inFlight -= 1
                    record(outcome, into: &tally)
                }
                // Starts at once on this task, so publishes reach the connection in event order.
                group.addImmediateTask { [channel, exchange, progress] in
                    let sent = ContinuousClock.now
                    var properties = event.properties
                    PublishedAt.stamp(&properties)
                    do {
                        let outcome = try await channel.publish(
                            exchange: exchange, routingKey: event.routingKey, body: event.body, properties: properties,
                            mandatory: true)
                        switch outcome {
                        case .returned:
                            progress.returned.add(1, ordering: .relaxed)
                            return .returned(latency: .now - sent)
                        case .confirmed, .sent:
                            progress.confirmed.add(1, ordering: .relaxed)
                            return .confirmed(latency: .now - sent)
                        }
                    } catch let error as AMQPError where error.kind == .publishNacked {
                        progress.nacked.add(1, ordering: .relaxed)
                        return .nacked
                    } catch {
                        return .failed(error)
                    }
                }
                inFlight += 1
                tally.published += 1
                progress.published.add(1, ordering: .relaxed)
            }
            for await outcome in group { record(outcome, into: &tally) }
        }
        tally.elapsed = .now - start
        return tally
    }

    /// Adds one publish's outcome to the tally.
    private func record(_ outcome: Outcome, into tally: inout Tally) {
        switch outcome {
        case .confirmed(let latency):
            tally.confirmed += 1
            tally.latencies.append(latency)
        case .returned(let latency):
            tally.returned += 1
            tally.latencies.append(latency)
        case .nacked:
            tally.nacked += 1
        case .failed(let error):
            if tally.failure == nil { tally.failure = error }
        }
    }
}
