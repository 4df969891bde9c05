import AMQPClient
import Synchronization

/// The workers this worker has heard from lately, and which of them are spending API calls: every
/// worker sends a heartbeat to the presence fanout about once a second (see ``FleetPresence``), and
/// every worker has a private queue bound to it, so each one hears every live worker within a second
/// however deep the work or partition queues are. (The broker's own consumer count does not help: for
/// a single-active-consumer quorum queue, `queue.declare-ok` counts only the active one.) The
/// partitioned mode counts live workers to balance partitions; both modes count the workers that
/// share the token's budget (``apiShare(at:window:)``).
final class PeerSet: Sendable {
    /// What was last heard from one worker.
    private struct Peer {
        var lastHeard: ContinuousClock.Instant
        /// Whether its last heartbeat said it was spending API calls.
        var active: Bool
    }

    /// This worker's id, carried in its probes and heartbeats.
    let me: String
    private let peers = Mutex<[String: Peer]>([:])

    /// - Parameter me: this worker's id (``SyncWorker/id``).
    init(me: String) {
        self.me = me
    }

    /// Records a probe or heartbeat from worker `id`; `active` (when the message said) whether it is
    /// spending API calls. A worker first heard without saying counts as active.
    func heard(_ id: String, active: Bool? = nil) {
        peers.withLock { peers in
            let wasActive = peers[id]?.active ?? true
            peers[id] = Peer(lastHeard: .now, active: active ?? wasActive)
        }
    }

    /// Records the sender of a probe or heartbeat, if it names one.
    func heard(from message: AMQPDelivery) {
        guard let heartbeat = Heartbeat(headers: message.headers) else { return }
        heard(heartbeat.sender, active: heartbeat.active)
    }

    /// The other workers heard from (and not forgotten) so far.
    var others: [String] {
        peers.withLock { Array($0.keys.filter { $0 != self.me }) }
    }

    /// Stops counting worker `id` (it is gone) until it is heard again.
    func forget(_ id: String) {
        peers.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// Whether worker `id` was heard from within `window`.
    func isLive(_ id: String, window: Duration) -> Bool {
        peers.withLock { $0[id].map { ContinuousClock.now - $0.lastHeard < window } ?? false }
    }

    /// The workers heard from within `window` before `now`, this one included.
    func count(at now: ContinuousClock.Instant, window: Duration) -> Int {
        peers.withLock { peers in
            peers = peers.filter { now - $0.value.lastHeard < window }
            return peers.keys.filter { $0 != me }.count + 1
        }
    }

    /// How many workers share the API budget now: this one and every other heard from within
    /// `window` whose last heartbeat said it was spending calls. Each worker paces itself to this
    /// share of what Hipcall reports as left, so that the fleet together follows the window.
    func apiShare(at now: ContinuousClock.Instant, window: Duration) -> Int {
        peers.withLock { peers in
            peers.filter { $0.key != me && $0.value.active && now - $0.value.lastHeard < window }.count + 1
        }
    }
}
