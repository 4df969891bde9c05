import AMQPClient

extension SyncWorker {
    /// How often the backlog is looked at again for a scan plan while consuming.
    static let scanPlanInterval: Duration = .seconds(15)

    /// Prepares list-scan planning on `connection`, before the worker consumes on it (the journal
    /// read): reads the backlog while no delivery of this connection is held yet, and returns the
    /// planning loop (see ``planningScans(_:on:channel:firstBacklog:)``); nil without a scanner.
    func scanPlanning(on connection: AMQPConnection) async -> (@Sendable () async -> Void)? {
        guard let scanner else { return nil }
        let channel = try? await connection.openChannel()
        var first: Int?
        if let channel { first = try? await scanBacklog(scanner, on: channel) }
        return { [first] in await self.planningScans(scanner, on: connection, channel: channel, firstBacklog: first) }
    }

    /// Plans list scans while the worker consumes: a round per resource, companies first (contacts
    /// wait for their companies), at once (with `firstBacklog` when read) and then every
    /// ``scanPlanInterval``. A round that scans runs to the end of the list or until it stops. Never
    /// throws and returns only when cancelled, so that it can run in the consumer's task group.
    private func planningScans(_ scanner: ListScanner, on connection: AMQPConnection, channel: AMQPChannel?, firstBacklog: Int?) async {
        var channel = channel
        var known = firstBacklog
        while !Task.isCancelled {
            if pauseGate.pause == nil {
                do {
                    let backlog: Int
                    if let known {
                        backlog = known
                    } else {
                        let open: AMQPChannel
                        if let channel { open = channel } else { open = try await connection.openChannel() }
                        channel = open
                        backlog = try await scanBacklog(scanner, on: open)
                    }
                    known = nil
                    for resource in [SyncResource.companies, .contacts] where !Task.isCancelled {
                        _ = await scanner.round(resource, backlog: backlog)
                    }
                } catch {
                    channel = nil
                    known = nil
                    logger.warning("could not read the backlog for a scan plan", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: Self.scanPlanInterval)
        }
    }

    /// The backlog the plan counts with: the messages ready in the queues the workers consume (a
    /// passive declare each), and the deliveries held (prefetched, not decided yet): this worker's,
    /// counted as every live worker holding as many (the others' are not visible from here).
    private func scanBacklog(_ scanner: ListScanner, on channel: AMQPChannel) async throws -> Int {
        let topology = configuration.topology
        let queues = topology.isPartitioned ? (0..<topology.partitions).map(topology.partitionQueue) : [topology.workQueue]
        var ready = 0
        for queue in queues {
            ready += Int(try await channel.declareQueue(queue, passive: true).messageCount)
        }
        let held = await scanner.held()
        return ready + held * peers.count(at: .now, window: FleetPresence.silenceLimit)
    }
}
