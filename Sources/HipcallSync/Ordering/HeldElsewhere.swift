import Foundation
import Synchronization

/// The newest event of each record that another worker of the shared mode holds and has not
/// applied yet, as the journal's ``HeldEvent`` announcements tell it. Before an event is decided,
/// the worker waits while a live peer holds a newer one of its record, until the journal says that
/// one (or a later change) was applied (then this one is stale: no call), the peer falls silent, or
/// ``wait`` has passed; then it is decided as before. So a backlog spread over several workers writes
/// each record about once rather than once per worker that holds one of its events.
final class HeldElsewhere: Sendable {
    private struct State {
        var newest: LRUMap<SyncKey, HeldEvent>
        /// Opened at the next announcement or applied change.
        var changed = ChangeGate()
    }

    /// This worker's id: its own announcements are not waited for.
    let me: String
    /// The longest an event waits for a newer one held elsewhere.
    let wait: Duration
    /// Whether a peer was heard recently enough to count as alive.
    private let isLive: @Sendable (String) -> Bool
    private let state: Mutex<State>

    init(me: String, wait: Duration = .seconds(60), capacity: Int = 100_000, isLive: @escaping @Sendable (String) -> Bool) {
        self.me = me
        self.wait = wait
        self.isLive = isLive
        state = Mutex(State(newest: LRUMap(capacity: capacity)))
    }

    /// Takes in announcements read from the journal; each replaces an older one of its record.
    func note(_ events: [HeldEvent]) {
        let others = events.filter { $0.worker != me }
        guard !others.isEmpty else { return }
        state.withLock { state in
            for event in others {
                if let known = state.newest.get(event.key), !event.supersedes(occurredAt: known.occurredAt, eventID: known.eventID) {
                    continue
                }
                state.newest.set(event.key, event)
            }
            return state.changed.change()
        }.open()
    }

    /// Takes in changes read from the journal: an announcement they reach (same time or later) is done.
    func applied(_ changes: [(key: SyncKey, occurredAt: Date, eventID: String)]) {
        state.withLock { state in
            for change in changes {
                guard let held = state.newest.get(change.key) else { continue }
                if !held.supersedes(occurredAt: change.occurredAt, eventID: change.eventID) { state.newest.remove(change.key) }
            }
            return state.changed.change()
        }.open()
    }

    /// The newer event of `event`'s record a live peer holds, if any.
    func newer(than event: SyncEvent) -> HeldEvent? {
        let held = state.withLock { $0.newest.get(event.key) }
        guard let held, held.supersedes(occurredAt: event.occurredAt, eventID: event.eventID), isLive(held.worker) else { return nil }
        return held
    }

    /// Waits while a live peer holds a newer event of `event`'s record, until `deadline`. Rechecks at
    /// each announcement or applied change read, and every second (a peer may fall silent).
    func awaitNewer(than event: SyncEvent, until deadline: ContinuousClock.Instant) async {
        while !Task.isCancelled, ContinuousClock.now < deadline {
            // The gate first, then the check: a change in between opens the gate taken.
            let gate = state.withLock { $0.changed.current }
            guard newer(than: event) != nil else { return }
            await gate.wait(atMost: min(deadline - .now, .seconds(1)))
        }
    }
}
