import AMQPClient
import Logging
import ServiceLifecycle
import Synchronization

/// Why a partitioned session ended although this worker did not end it.
enum PartitionError: Error, CustomStringConvertible {
    /// The broker ended the consumer of a partition queue (the queue was deleted, or the consumer cancelled).
    case consumerEnded(queue: String)

    var description: String {
        switch self {
        case .consumerEnded(let queue): "the broker ended the consumer of partition queue '\(queue)'"
        }
    }
}

/// What one worker knows about one partition queue: the channel of its current subscription,
/// whether a delivery arrived on it (the broker delivers only to the queue's single active consumer,
/// so any delivery means this worker is the active one until it closes the channel), whether the
/// balancer accepted it (a newly won partition dispatches nothing until then, so handing it on is
/// instant), whether it is draining for a handover or shutdown, and how many of its deliveries are
/// being processed.
final class PartitionSlot: Sendable {
    let index: Int
    let queue: String
    private let state = Mutex(State())

    /// The mutable part, guarded by the mutex.
    private struct State {
        var channel: AMQPChannel?
        var active = false
        var accepted = false
        var draining = false
        var closing = false
        var inFlight = 0
        /// Consumer loops waiting for the balancer's decision.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(index: Int, queue: String) {
        self.index = index
        self.queue = queue
    }

    /// Starts a fresh subscription on `channel`: not active, not accepted, not draining.
    func subscribed(on channel: AMQPChannel) {
        state.withLock { $0 = State(channel: channel) }
    }

    /// Records that a delivery (an event or a probe) arrived: this worker is the active consumer.
    func delivered() {
        state.withLock { $0.active = true }
    }

    /// Waits until the balancer accepted the partition or it began draining; true when it may dispatch.
    func waitUntilDecided() async -> Bool {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let decided = state.withLock { state in
                guard !state.accepted, !state.draining else { return true }
                state.waiters.append(continuation)
                return false
            }
            if decided { continuation.resume() }
        }
        return state.withLock { $0.accepted && !$0.draining }
    }

    /// Lets the consumer loop dispatch this partition's deliveries.
    func accept() {
        _ = deciding { state in
            state.accepted = true
            return true
        }
    }

    /// Applies a balancer decision under the lock and, when `decision` made one (returned true),
    /// wakes the consumer loops waiting for it; returns whether it did.
    private func deciding(_ decision: (inout State) -> Bool) -> Bool {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>]? in
            guard decision(&state) else { return nil }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters ?? [] { waiter.resume() }
        return waiters != nil
    }

    /// Counts a delivery as dispatched unless the partition is draining (then it stays unacked,
    /// and closing the channel returns it to the queue ahead of later messages).
    func admit() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Records that a dispatched delivery is settled.
    func finished() {
        state.withLock { $0.inFlight -= 1 }
    }

    var inFlight: Int { state.withLock { $0.inFlight } }

    /// Whether this worker closed the channel on purpose (handover or shutdown).
    var isClosing: Bool { state.withLock { $0.closing } }

    /// Whether this worker is the partition's active consumer and keeps it (not draining).
    var isHeld: Bool { state.withLock { $0.active && !$0.draining } }

    /// Whether the balancer accepted the partition in this subscription.
    var isAccepted: Bool { state.withLock { $0.accepted } }

    /// Stops dispatching and wakes a consumer loop waiting for a decision; false when it was
    /// already draining (or between subscriptions).
    func beginDraining() -> Bool {
        deciding { state in
            guard state.channel != nil, !state.draining else { return false }
            state.draining = true
            return true
        }
    }

    /// Marks the subscription as ended by this worker and no longer active; returns its channel.
    func markClosing() -> AMQPChannel? {
        state.withLock { state in
            state.closing = true
            state.active = false
            return state.channel
        }
    }
}

/// The workers this worker has heard from lately: every worker sends a heartbeat to the presence
/// fanout each balancing round, and every worker has a private queue bound to it, so each one hears
/// every live worker within a round however deep the partition queues are. (The broker's own consumer
/// count does not help: for a single-active-consumer quorum queue, `queue.declare-ok` counts only the
/// active one.)
final class PeerSet: Sendable {
    /// This worker's id, carried in its probes.
    let me: String
    private let lastHeard = Mutex<[String: ContinuousClock.Instant]>([:])

    /// - Parameter me: this worker's id (``SyncWorker/id``).
    init(me: String) {
        self.me = me
    }

    /// Records a probe from worker `id`.
    func heard(_ id: String) {
        lastHeard.withLock { $0[id] = .now }
    }

    /// The other workers heard from (and not forgotten) so far.
    var others: [String] {
        lastHeard.withLock { Array($0.keys.filter { $0 != self.me }) }
    }

    /// Stops counting worker `id` (it is gone) until it is heard again.
    func forget(_ id: String) {
        lastHeard.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// The workers heard from within `window` before `now`, this one included.
    func count(at now: ContinuousClock.Instant, window: Duration) -> Int {
        lastHeard.withLock { heard in
            heard = heard.filter { now - $0.value < window }
            return heard.keys.filter { $0 != me }.count + 1
        }
    }
}

extension SyncWorker {
    /// How long a worker not heard from still counts as alive.
    static let peerSilenceLimit: Duration = .seconds(5)
    /// How long a worker listens for the fleet's heartbeats before its first balancing decision.
    static let settleTime: Duration = .milliseconds(1500)

    /// One connection's life in the partitioned mode: a channel and single-active consumer per
    /// partition queue, a balancer that hands partitions over until each worker holds at most its
    /// fair share, and on graceful shutdown a drain that lets in-flight upserts finish and returns
    /// the rest to the partition queues.
    func consumePartitions(on connection: AMQPConnection) async throws {
        let topology = configuration.topology
        // The permits keep the worker at `prefetch` dispatched, however many partitions it holds (of
        // which `concurrency` upsert at once); each partition buffers up to half of that, enough to
        // keep the window full with two or more partitions held without holding every partition's backlog.
        let prefetch = max(1, configuration.prefetch / 2)
        let permits = FairPermits(Int(configuration.prefetch))
        let slots = (0..<topology.partitions).map { PartitionSlot(index: $0, queue: topology.partitionQueue($0)) }
        for slot in slots { metrics.partitionActive(slot.index, false) }
        defer { for slot in slots { metrics.partitionActive(slot.index, false) } }
        let control = try await connection.openChannel()
        let peers = PeerSet(me: id)
        let presence = try await subscribeToPresence(on: connection, peers: peers)
        logger.info(
            "consuming partitions",
            metadata: [
                "partitions": "\(topology.partitions)", "prefetch_per_partition": "\(prefetch)", "broker": "\(configuration.amqp)",
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask { try await self.consume(slot, on: connection, prefetch: prefetch, permits: permits, peers: peers) }
            }
            group.addTask { try await self.balance(slots, control: control, peers: peers, connection: connection) }
            // Ends with shutdown: the group waits for every child, so a watcher left waiting for a pause would keep SIGTERM from returning.
            group.addTask { await cancelWhenGracefulShutdown { await self.returnPartitionsWhenPausedTooLong(slots) } }
            group.addTask {
                for try await heartbeat in presence {
                    if let sender = Self.sender(of: heartbeat) { peers.heard(sender) }
                    try? heartbeat.ack()
                }
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return }
                await self.drainForShutdown(slots)
                // Ends the heartbeat loop above, the last child still running.
                try? await presence.cancel()
            }
            // The first failure ends the session (leaving the closure cancels the other children;
            // `waitForAll` would wait for the shutdown watcher).
            while try await group.next() != nil {}
        }
    }

    /// The worker id a probe or heartbeat carries; nil when its header is absent, empty or unusable.
    private static func sender(of message: AMQPDelivery) -> String? {
        var reader = HeaderReader(message.headers)
        return reader.text(SyncHeaders.probe, maxBytes: DeliveryHeaders.maxRoutingKeyBytes).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The private presence queue of worker `id`: exclusive, so the broker deletes it when the
    /// worker's connection ends (a SIGKILL included).
    private func presenceQueue(of id: String) -> String {
        "\(configuration.topology.presenceExchange).\(id)"
    }

    /// Binds a private, exclusive queue of this worker to the presence fanout and consumes it.
    private func subscribeToPresence(on connection: AMQPConnection, peers: PeerSet) async throws -> AMQPConsumer {
        let channel = try await connection.openChannel()
        let queue = presenceQueue(of: peers.me)
        _ = try await channel.declareQueue(queue, durable: false, exclusive: true, autoDelete: true)
        try await channel.bindQueue(queue, exchange: configuration.topology.presenceExchange, routingKey: "")
        return try await channel.consume(queue: queue, exclusive: true)
    }

    /// Subscribes to one partition queue again and again (after each handover, at the back of the
    /// queue's consumer list) and dispatches its deliveries in delivery order, each once it has a permit.
    private func consume(
        _ slot: PartitionSlot, on connection: AMQPConnection, prefetch: UInt16, permits: FairPermits, peers: PeerSet
    ) async throws {
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            await waitWhilePausedTooLong()
            if Task.isShuttingDownGracefully { return }
            let channel = try await connection.openChannel()
            try await channel.qos(prefetchCount: prefetch)
            let consumer = try await channel.consume(queue: slot.queue, bodyLimit: bodyLimit(for: slot.queue))
            slot.subscribed(on: channel)
            if Task.isShuttingDownGracefully, let channel = slot.markClosing() {
                // Shutdown began while subscribing: the drain may have missed this channel.
                try? await channel.close()
            }
            var failure: (any Error)?
            // A discarding group: finished upserts are released at once instead of piling up
            // until the session ends (a partition can live for millions of deliveries).
            await withDiscardingTaskGroup { group in
                do {
                    for try await delivery in consumer {
                        slot.delivered()
                        if delivery.exchange == configuration.topology.controlExchange {
                            if let sender = Self.sender(of: delivery) { peers.heard(sender) }
                            try? delivery.ack()
                            continue
                        }
                        // A newly won partition waits for the balancer's decision before its first dispatch.
                        let mayDispatch = slot.isAccepted ? true : await slot.waitUntilDecided()
                        guard mayDispatch else { continue }
                        // The permit first: a handover then waits only for deliveries really dispatched.
                        await permits.acquire()
                        guard slot.admit() else {
                            permits.release()
                            continue
                        }
                        metrics.inFlight(inFlight.add(1, ordering: .relaxed).newValue)
                        group.addTask {
                            await self.handler.handle(delivery, partition: slot.index)
                            permits.release()
                            slot.finished()
                            self.metrics.inFlight(self.inFlight.subtract(1, ordering: .relaxed).newValue)
                        }
                    }
                    if !slot.isClosing {
                        failure = Task.isCancelled ? CancellationError() : PartitionError.consumerEnded(queue: slot.queue)
                    }
                } catch {
                    if !slot.isClosing { failure = error }
                }
                // After a lost connection acks cannot reach the broker; after the shutdown grace
                // period the remaining upserts are abandoned. Either way the messages come back.
                if failure != nil || Task.isShuttingDownGracefully { group.cancelAll() }
            }
            metrics.partitionActive(slot.index, false)
            if let failure { throw failure }
        }
    }

    /// Balancing rounds, every ~second (jittered; the first after ``settleTime``): sends a heartbeat,
    /// probes every partition (so that the active consumer of an idle partition still sees a
    /// delivery), counts the live workers, and keeps at most `ceil(partitions / workers)`
    /// partitions. A partition newly won dispatches nothing until a round accepts it, so one that
    /// would exceed the fair share is handed on at once, with nothing to drain; when the share
    /// shrinks (a worker joined) the held partitions with the fewest deliveries in flight go. A
    /// handed-over partition goes to the next worker in the queue's consumer list, so partitions
    /// move on until every worker is within its fair share. Handovers drain beside the rounds.
    /// Before deciding on newly won partitions (a worker left or joined), peers whose presence queue
    /// is gone are no longer counted: a killed worker's partitions are taken at the next round
    /// instead of after its heartbeats have been silent for ``peerSilenceLimit``.
    private func balance(_ slots: [PartitionSlot], control: AMQPChannel, peers: PeerSet, connection: AMQPConnection) async throws {
        let probe = AMQPProperties(headers: [SyncHeaders.probe: .string(peers.me)])
        try await withThrowingDiscardingTaskGroup { group in
            var first = true
            while !Task.isShuttingDownGracefully {
                _ = try await control.publish(
                    exchange: configuration.topology.presenceExchange, routingKey: "", body: [], properties: probe)
                for slot in slots {
                    _ = try await control.publish(
                        exchange: configuration.topology.controlExchange, routingKey: slot.queue, body: [], properties: probe)
                }
                try await Task.sleep(for: first ? Self.settleTime : .milliseconds(Int.random(in: 700...1300)))
                first = false
                if Task.isShuttingDownGracefully { return }
                if slots.contains(where: { $0.isHeld && !$0.isAccepted }) {
                    await forgetDisconnectedPeers(peers, on: connection)
                }
                let leaving = await decideRound(slots, workers: peers.count(at: .now, window: Self.peerSilenceLimit))
                for slot in leaving {
                    group.addTask {
                        await self.handOver(slot)
                        self.metrics.partitionActive(slot.index, false)
                    }
                }
            }
        }
    }

    /// Forgets the peers whose presence queue no longer exists (a passive declare answered 404).
    /// Any other answer, or none, keeps the peer: only its silence then removes it.
    private func forgetDisconnectedPeers(_ peers: PeerSet, on connection: AMQPConnection) async {
        for peer in peers.others {
            guard let channel = try? await connection.openChannel() else { return }
            do {
                _ = try await channel.declareQueue(presenceQueue(of: peer), passive: true)
                try? await channel.close()
            } catch let error as AMQPError where error.kind == .channelClosedByServer && error.replyCode == 404 {
                peers.forget(peer)
                logger.info("a worker's connection is gone; not counting it", metadata: ["worker": "\(peer)"])
            } catch {
                try? await channel.close()
            }
        }
    }

    /// One balancing decision: accepts newly won partitions up to the fair share and picks the
    /// partitions to hand over (already draining when returned).
    private func decideRound(_ slots: [PartitionSlot], workers: Int) async -> [PartitionSlot] {
        metrics.partitionWorkers(workers)
        let fair = (slots.count + workers - 1) / workers
        let held = slots.filter(\.isHeld)
        var kept = held.filter(\.isAccepted)
        var leaving: [PartitionSlot] = []
        for slot in held.filter({ !$0.isAccepted }).shuffled() {
            if kept.count < fair {
                slot.accept()
                kept.append(slot)
            } else {
                leaving.append(slot)
            }
        }
        // Upserts stuck behind a refused token would never drain: keep what is held meanwhile.
        if kept.count > fair, !pauseGate.isClosed {
            leaving += kept.sorted { $0.inFlight < $1.inFlight }.prefix(kept.count - fair)
        }
        leaving = leaving.filter { $0.beginDraining() }
        for slot in slots { metrics.partitionActive(slot.index, slot.isHeld) }
        if !leaving.isEmpty {
            logger.info(
                "handing partitions over",
                metadata: [
                    "partitions": "\(leaving.map(\.index))", "held": "\(held.count)", "fair": "\(fair)", "workers": "\(workers)",
                ])
        }
        return leaving
    }

    /// Gives up one draining partition without reordering it: waits until its dispatched deliveries
    /// are settled (acks leave before the close), then closes its channel, which returns the
    /// undispatched ones to the head of the queue and makes the next consumer active.
    private func handOver(_ slot: PartitionSlot) async {
        while slot.inFlight > 0, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
        try? await slot.markClosing()?.close()
    }

    /// On graceful shutdown: stops dispatching on every partition, gives in-flight upserts the
    /// grace period, then closes the partition channels (the rest goes back to the queues).
    private func drainForShutdown(_ slots: [PartitionSlot]) async {
        for slot in slots { _ = slot.beginDraining() }
        let deadline = ContinuousClock.now + configuration.shutdownGracePeriod
        while slots.contains(where: { $0.inFlight > 0 }), ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = slots.reduce(0) { $0 + $1.inFlight }
        if left > 0 {
            logger.warning("in-flight upserts did not finish within the grace period; cancelling them", metadata: ["left": "\(left)"])
        }
        for slot in slots {
            try? await slot.markClosing()?.close()
        }
    }
}
