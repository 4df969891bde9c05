import AMQPClient

extension SyncWorker {
    /// How often the backlog is looked at again for a scan plan while consuming.
    static let scanPlanInterval: Duration = .seconds(15)

    /// Plans list scans on `connection` while the worker consumes (the journal read): a round per
    /// resource, companies first (contacts wait for their companies), at once and then every
    /// ``scanPlanInterval``, with the backlog read from the work queue's (or the partition queues')
    /// message count. A round that scans runs to the end of the list or until it stops. Never
    /// throws and returns only when cancelled, so that it can run in the consumer's task group.
    func planningScans(_ scanner: ListScanner, on connection: AMQPConnection) async {
        var channel: AMQPChannel?
        while !Task.isCancelled {
            if pauseGate.pause == nil {
                do {
                    let open: AMQPChannel
                    if let channel { open = channel } else { open = try await connection.openChannel() }
                    channel = open
                    let backlog = try await Self.backlog(configuration.topology, on: open)
                    for resource in [SyncResource.companies, .contacts] where !Task.isCancelled {
                        _ = await scanner.round(resource, backlog: backlog)
                    }
                } catch {
                    channel = nil
                    logger.warning("could not read the backlog for a scan plan", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: Self.scanPlanInterval)
        }
    }

    /// The messages waiting in the queues the workers consume (a passive declare each).
    static func backlog(_ topology: SyncTopology, on channel: AMQPChannel) async throws -> Int {
        let queues = topology.isPartitioned ? (0..<topology.partitions).map(topology.partitionQueue) : [topology.workQueue]
        var total = 0
        for queue in queues {
            total += Int(try await channel.declareQueue(queue, passive: true).messageCount)
        }
        return total
    }
}
