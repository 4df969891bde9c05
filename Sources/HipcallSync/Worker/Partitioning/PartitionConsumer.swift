import AMQPClient
import Logging
import ServiceLifecycle

extension SyncWorker {
    /// How long a worker listens for the fleet's heartbeats before its first balancing decision.
    static let settleTime: Duration = .milliseconds(1500)

    /// One connection's life in the partitioned mode: a channel and single-active consumer per
    /// partition queue, a balancer that hands partitions over until each worker holds at most its
    /// fair share, and on graceful shutdown a drain that lets in-flight upserts finish and returns
    /// the rest to the partition queues.
    func consumePartitions(on connection: AMQPConnection, session: ConsumerSession) async throws {
        let topology = configuration.topology
        // The session's permits keep the worker at `prefetch` dispatched, however many partitions it
        // holds (of which `concurrency` upsert at once); each partition buffers up to half of that, enough
        // to keep the window full with two or more partitions held without holding every partition's backlog.
        let prefetch = max(1, configuration.prefetch / 2)
        let slots = (0..<topology.partitions).map { PartitionSlot(index: $0, queue: topology.partitionQueue($0)) }
        for slot in slots { metrics.partitionActive(slot.index, false) }
        defer { for slot in slots { metrics.partitionActive(slot.index, false) } }
        let control = try await connection.openChannel()
        let peers = self.peers
        logger.info(
            "consuming partitions",
            metadata: [
                "partitions": "\(topology.partitions)", "prefetch_per_partition": "\(prefetch)", "broker": "\(connection.configuration)",
            ])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask { try await self.consume(slot, on: connection, prefetch: prefetch, session: session, peers: peers) }
            }
            group.addTask { try await self.balance(slots, control: control, peers: peers, connection: connection) }
            // Ends with shutdown: the group waits for every child, so a watcher left waiting for a pause would keep SIGTERM from returning.
            group.addTask { await cancelWhenGracefulShutdown { await self.returnPartitionsWhenPausedTooLong(slots) } }
            group.addTask {
                do { try await gracefulShutdown() } catch { return }
                await self.drainForShutdown(slots, session: session)
            }
            // The first failure ends the session (leaving the closure cancels the other children;
            // `waitForAll` would wait for the shutdown watcher).
            while try await group.next() != nil {}
        }
    }

    /// Subscribes to one partition queue again and again (after each handover, at the back of the
    /// queue's consumer list); the session dispatches its deliveries in delivery order, each once it
    /// has a permit.
    private func consume(
        _ slot: PartitionSlot, on connection: AMQPConnection, prefetch: UInt16, session: ConsumerSession, peers: PeerSet
    ) async throws {
        let source = PartitionSource(slot: slot, peers: peers, controlExchange: configuration.topology.controlExchange)
        while !Task.isShuttingDownGracefully {
            try Task.checkCancellation()
            await waitWhilePausedTooLong()
            if Task.isShuttingDownGracefully { return }
            let channel = try await connection.openChannel()
            try await channel.qos(prefetchCount: prefetch)
            let consumer = try await channel.consume(queue: slot.queue, bodyLimit: bodyLimit(for: slot.queue))
            slot.subscribed(on: channel)
            if Task.isShuttingDownGracefully {
                // Shutdown began while subscribing: the drain may have missed this channel.
                await slot.close()
            }
            defer {
                slot.ended()
                metrics.partitionActive(slot.index, false)
            }
            try await session.consume(consumer, from: source)
        }
    }

    /// Balancing rounds, every ~second (jittered; the first after ``settleTime``): probes every partition (so that the active consumer of an idle partition still sees a
    /// delivery), counts the live workers, and keeps at most `ceil(partitions / workers)`
    /// partitions. A partition newly won dispatches nothing until a round accepts it, so one that
    /// would exceed the fair share is handed on at once, with nothing to drain; when the share
    /// shrinks (a worker joined) the held partitions with the fewest deliveries in flight go. A
    /// handed-over partition goes to the next worker in the queue's consumer list, so partitions
    /// move on until every worker is within its fair share. Handovers drain beside the rounds.
    /// Before deciding on newly won partitions (a worker left or joined), peers whose presence queue
    /// is gone are no longer counted: a killed worker's partitions are taken at the next round
    /// instead of after its heartbeats have been silent for ``FleetPresence/silenceLimit``.
    private func balance(_ slots: [PartitionSlot], control: AMQPChannel, peers: PeerSet, connection: AMQPConnection) async throws {
        let probe = AMQPProperties(headers: [SyncHeaders.probe: .string(peers.me)])
        try await withThrowingDiscardingTaskGroup { group in
            var first = true
            while !Task.isShuttingDownGracefully {
                for slot in slots {
                    _ = try await control.publish(
                        exchange: configuration.topology.controlExchange, routingKey: slot.queue, body: [], properties: probe)
                }
                try await Task.sleep(for: first ? Self.settleTime : .milliseconds(Int.random(in: 700...1300)))
                first = false
                if Task.isShuttingDownGracefully { return }
                if slots.contains(where: { $0.held?.accepted == false }) {
                    await forgetDisconnectedPeers(peers, on: connection)
                }
                let leaving = decideRound(slots, workers: peers.count(at: .now, window: FleetPresence.silenceLimit))
                for (slot, action) in leaving {
                    // The channel closes now when nothing is in flight, else when the last delivery settles.
                    group.addTask {
                        await slot.perform(action)
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
                _ = try await channel.declareQueue(FleetPresence.queue(of: peer, in: configuration.topology), passive: true)
                try? await channel.close()
            } catch let error as AMQPError where error.kind == .channelClosedByServer && error.replyCode == 404 {
                peers.forget(peer)
                logger.info("a worker's connection is gone; not counting it", metadata: ["worker": "\(peer)"])
            } catch {
                try? await channel.close()
            }
        }
    }

    /// One balancing round (``PartitionBalancer``): accepts newly won partitions up to the fair
    /// share and starts draining the partitions to hand over, returned with the action to perform.
    private func decideRound(_ slots: [PartitionSlot], workers: Int) -> [(PartitionSlot, PartitionSlot.Machine.Action)] {
        metrics.partitionWorkers(workers)
        let held = slots.compactMap(\.held)
        let decision = PartitionBalancer.decide(held: held, partitions: slots.count, workers: workers, paused: pauseGate.isClosed)
        for partition in decision.accept {
            slots[partition].accept()
        }
        let leaving = decision.handOver.compactMap { partition in slots[partition].beginDraining(.handover).map { (slots[partition], $0) } }
        for slot in slots { metrics.partitionActive(slot.index, slot.isHeld) }
        if !leaving.isEmpty {
            logger.info(
                "handing partitions over",
                metadata: [
                    "partitions": "\(leaving.map(\.0.index))", "held": "\(held.count)", "fair": "\(decision.fair)", "workers": "\(workers)",
                ])
        }
        return leaving
    }

    /// On graceful shutdown: stops dispatching on every partition, gives in-flight upserts the
    /// session's grace period, then closes the partition channels (the rest goes back to the queues).
    private func drainForShutdown(_ slots: [PartitionSlot], session: ConsumerSession) async {
        for slot in slots {
            if let action = slot.beginDraining(.shutdown) { await slot.perform(action) }
        }
        await session.drainWithinGrace()
        for slot in slots { await slot.close() }
    }
}
