import DequeModule

/// Tracks which delivery tags of one channel are settled, so that acks queued together go out as
/// one `basic.ack` with `multiple` whenever every earlier delivery is settled too. Delivery tags
/// on a channel are consecutive (consumer deliveries and `basic.get` share one counter).
struct AckBatcher {
    /// The lowest delivery tag not yet known to be settled.
    private var firstUnsettled: UInt64 = 1
    /// Settled flags for tags `firstUnsettled...`, in order.
    private var settled: Deque<Bool> = []
    /// Acks requested since the last flush.
    private var requested: [UInt64] = []

    /// The most tags tracked past the lowest unsettled one. A channel holds at most its prefetch
    /// (65,535) plus its fetched messages unsettled, so only a broker numbering deliveries wrongly
    /// gets further; tags beyond are then acked on their own instead of growing the flags without end.
    static let maxTracked: UInt64 = 1 << 20

    /// Records a delivery handed out with `tag`.
    mutating func delivered(_ tag: UInt64) {
        guard isTracked(tag) else { return }
        while UInt64(settled.count) <= tag - firstUnsettled { settled.append(false) }
    }

    /// Records a nack or reject that was sent on its own.
    mutating func settledSeparately(_ tag: UInt64) {
        mark(tag)
    }

    /// Queues an ack to be sent at the next flush.
    mutating func requestAck(_ tag: UInt64) {
        requested.append(tag)
    }

    /// Decides what to send for the queued acks: at most one cumulative ack (`multiple`) covering
    /// the settled prefix, plus single acks for tags beyond a gap. The cumulative ack names the
    /// highest tag acked in this flush, never one settled earlier: RabbitMQ refuses a `multiple`
    /// ack whose own tag is no longer outstanding.
    mutating func flush() -> (cumulative: UInt64?, singles: [UInt64]) {
        guard !requested.isEmpty else { return (nil, []) }
        for tag in requested { mark(tag) }
        var prefix = 0
        while prefix < settled.count, settled[prefix] { prefix += 1 }
        let prefixEnd = firstUnsettled + UInt64(prefix)
        let cumulative = requested.filter { $0 < prefixEnd }.max()
        let singles = requested.filter { $0 >= prefixEnd }
        settled.removeFirst(prefix)
        firstUnsettled = prefixEnd
        requested.removeAll(keepingCapacity: true)
        return (cumulative, singles)
    }

    private mutating func mark(_ tag: UInt64) {
        guard isTracked(tag) else { return }
        delivered(tag)
        settled[Int(tag - firstUnsettled)] = true
    }

    /// Whether `tag` is within the tracked window (so `firstUnsettled` plus its offset cannot overflow).
    private func isTracked(_ tag: UInt64) -> Bool {
        tag >= firstUnsettled && tag - firstUnsettled < Self.maxTracked && tag < .max
    }
}
