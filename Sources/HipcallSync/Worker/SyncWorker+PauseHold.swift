import ServiceLifecycle

/// The partitioned mode's side of the pause hold limit (the shared queue's is in `SyncWorker`): a
/// worker paused for longer than `pauseHoldLimit` gives its deliveries back and takes no more until
/// Hipcall answers properly, so the broker's `consumer_timeout` never closes the channels over them.
extension SyncWorker {
    /// Runs for a partitioned session: whenever a pause outlasts the hold limit, closes every
    /// partition channel (the broker requeues their unacked deliveries, in order, and the next consumer
    /// of each single-active-consumer queue takes over), releases the handlers held at the gate, and
    /// waits until the gate opens. The consumer loops wait in ``waitWhilePausedTooLong()`` meanwhile.
    /// Ends only on cancellation: the session runs it under `cancelWhenGracefulShutdown`.
    func returnPartitionsWhenPausedTooLong(_ slots: [PartitionSlot]) async {
        let limit = configuration.pauseHoldLimit
        while let pause = await pauseGate.outlasting(limit) {
            logger.warning(
                "paused for longer than the hold limit; returning the partitions' deliveries and not consuming until Hipcall answers properly",
                metadata: ["limit": "\(limit)", "reason": "\(pause.reason.label)", "partitions": "\(slots.filter(\.isHeld).map(\.index))"])
            for slot in slots { await slot.close() }
            pauseGate.returnHeld(pause: pause.number)
            guard await pauseGate.waitUntilOpen() else { return }
        }
    }

    /// Before a partition consumer subscribes: waits while a pause has outlasted the hold limit
    /// (until the gate opens, shutdown begins or the task is cancelled).
    func waitWhilePausedTooLong() async {
        guard let pause = pauseGate.pause, ContinuousClock.now - pause.since >= configuration.pauseHoldLimit else { return }
        _ = await cancelWhenGracefulShutdown { await self.pauseGate.waitUntilOpen() }
    }
}
