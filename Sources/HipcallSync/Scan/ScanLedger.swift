import Foundation
import Synchronization

/// What the fleet knows of its list scans, per resource, as the journal's ``ScanMessage``s tell it:
/// who holds the scan, the offset of its next page, and whether it finished (every page of the
/// resource's list was read and journaled). Once a resource's scan is finished, a key the fleet does
/// not know (no id in the ``IDCache``) was not in Hipcall when the scan ran: its record is created with
/// a POST at once, without a lookup (a 422 `has already been taken` still falls back to the lookup).
/// The journal follower feeds it; the upserter, the delivery handler and the scanner read it.
///
/// The election: every worker applies the same messages in the stream's order with the same rules,
/// which use only what the messages say, so all agree. A claim wins when nobody holds the scan, when
/// its writer already holds it, or when the holder's last claim or progress was written more than
/// ``staleAfter`` before it (the holder stopped: it died, or cannot reach Hipcall). Progress and
/// finished count only from the holder; the offset only grows. A message dated more than
/// ``maxClockLead`` ahead of the reader's clock is ignored, so that no message can hold a claim forever.
final class ScanLedger: Sendable {
    /// One resource's scan.
    struct Scan: Sendable, Equatable {
        /// The worker whose claim holds the scan; nil when nobody scans.
        var holder: String?
        /// When the holder last wrote (its claim or progress), by its clock.
        var heardAt: Date = .distantPast
        /// The offset of the next page to read.
        var nextOffset = 0
        var finished = false
    }

    private struct State {
        var scans: [SyncResource: Scan] = [:]
        /// How many of this worker's claims were read, per resource, and whether the last one won.
        var myClaims: [SyncResource: (read: Int, won: Bool)] = [:]
        /// Scanners waiting to learn whether their claim won: the resource, and how many claims were read before.
        var waiters: [UInt64: (resource: SyncResource, after: Int, continuation: CheckedContinuation<Bool, Never>)] = [:]
        var nextWaiter: UInt64 = 0
        /// Until when this worker is making its scan plan of a resource (a count call and a claim).
        var planning: [SyncResource: Date] = [:]
        /// Opened at the next change of the scans or the plans.
        var changed = ChangeGate()
    }

    /// How long a holder may write nothing before another worker's claim takes the scan over.
    let staleAfter: TimeInterval
    /// How far ahead of the reader's clock a message may be dated.
    static let maxClockLead: TimeInterval = 60
    private let state = Mutex(State())

    /// This worker's id, as its claims carry it.
    let me: String

    init(me: String = "", staleAfter: TimeInterval = 30) {
        self.me = me
        self.staleAfter = staleAfter
    }

    /// Whether a scan of `resource` has finished.
    func isFinished(_ resource: SyncResource) -> Bool {
        scan(resource).finished
    }

    /// Records that a scan of `resource` finished; a scanner still waiting for a claim of it loses.
    func markFinished(_ resource: SyncResource) {
        let (resumed, changed) = state.withLock { state in
            state.scans[resource, default: Scan()].finished = true
            state.scans[resource]?.holder = nil
            return (Self.resolve(&state, resource, read: .max), state.changed.change())
        }
        for continuation in resumed { continuation.resume(returning: false) }
        changed.open()
    }

    /// Notes that this worker plans a scan of `resource` until `deadline` at the latest (its count
    /// call and its claim): until ``planned(_:)``, keys it does not know wait (``awaitScan(_:atMost:)``).
    func planning(_ resource: SyncResource, until deadline: Date) {
        state.withLock { state in
            state.planning[resource] = deadline
            return state.changed.change()
        }.open()
    }

    /// Notes that this worker's plan of `resource` is made (a claim won, lookups chosen, or a failure).
    func planned(_ resource: SyncResource) {
        state.withLock { state in
            state.planning[resource] = nil
            return state.changed.change()
        }.open()
    }

    /// Until when a key of `resource` that the fleet does not know should wait for a scan rather than be
    /// looked up: while a holder scans (until it falls silent past ``staleAfter``) or this worker
    /// makes its plan; nil when no scan is coming (finished, or none planned).
    private static func hold(_ state: State, _ resource: SyncResource, staleAfter: TimeInterval, now: Date) -> Date? {
        let scan = state.scans[resource] ?? Scan()
        guard !scan.finished else { return nil }
        let holds = [scan.holder != nil ? scan.heardAt + staleAfter : nil, state.planning[resource]].compactMap { $0 }
        return holds.max().flatMap { $0 > now ? $0 : nil }
    }

    /// Waits while a scan of `resource` is planned or running (it brings every existing record's id,
    /// which a lookup would spend a call on), at most `bound`; returns at once when none is.
    func awaitScan(_ resource: SyncResource, atMost bound: Duration) async {
        let deadline = Date.now + bound.timeInterval
        while !Task.isCancelled {
            let now = Date.now
            let (hold, gate) = state.withLock { (Self.hold($0, resource, staleAfter: staleAfter, now: now), $0.changed.current) }
            guard let hold, now < deadline else { return }
            await gate.wait(atMost: .seconds(min(hold, deadline).timeIntervalSince(now)))
        }
    }

    /// The scan of `resource` as the journal read so far tells it.
    func scan(_ resource: SyncResource) -> Scan {
        state.withLock { $0.scans[resource] ?? Scan() }
    }

    /// Applies a scan message read from the journal at `now` (the reader's clock).
    func apply(_ message: ScanMessage, now: Date = .now) {
        guard message.at.timeIntervalSince(now) <= Self.maxClockLead else { return }
        var finished = false
        let resumed = state.withLock { state -> (waiters: [CheckedContinuation<Bool, Never>], won: Bool, changed: OneTimeGate?) in
            var scan = state.scans[message.resource] ?? Scan()
            guard !scan.finished else { return ([], false, nil) }
            switch message.kind {
            case .claim:
                if scan.holder == nil || scan.holder == message.worker || message.at.timeIntervalSince(scan.heardAt) > staleAfter {
                    scan.holder = message.worker
                    scan.heardAt = max(scan.heardAt, message.at)
                }
            case .progress where scan.holder == message.worker:
                scan.heardAt = max(scan.heardAt, message.at)
                scan.nextOffset = max(scan.nextOffset, message.offset)
            case .finished where scan.holder == message.worker:
                scan.nextOffset = max(scan.nextOffset, message.offset)
                finished = true
            case .progress, .finished:
                break
            }
            state.scans[message.resource] = scan
            let changed = state.changed.change()
            guard message.kind == .claim, message.worker == me else { return ([], false, changed) }
            let won = scan.holder == me
            let read = (state.myClaims[message.resource]?.read ?? 0) + 1
            state.myClaims[message.resource] = (read, won)
            return (Self.resolve(&state, message.resource, read: read), won, changed)
        }
        for continuation in resumed.waiters { continuation.resume(returning: resumed.won) }
        resumed.changed?.open()
        if finished { markFinished(message.resource) }
    }

    /// Removes and returns the waiters of `resource` answered once `read` of this worker's claims were read.
    private static func resolve(_ state: inout State, _ resource: SyncResource, read: Int) -> [CheckedContinuation<Bool, Never>] {
        let matching = state.waiters.filter { $0.value.resource == resource && $0.value.after < read }
        for number in matching.keys { state.waiters[number] = nil }
        return matching.values.map(\.continuation)
    }

    /// How many of this worker's claims of `resource` were read so far: what ``claimOutcome(_:after:)``
    /// waits past. Read it before publishing a claim.
    func claimsRead(_ resource: SyncResource) -> Int {
        state.withLock { $0.myClaims[resource]?.read ?? 0 }
    }

    /// Waits until more than `after` of this worker's claims of `resource` were read from the
    /// journal; returns whether the last one won. False at once when the scan finished, and when cancelled.
    func claimOutcome(_ resource: SyncResource, after: Int) async -> Bool {
        let number = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let answer: Bool? = state.withLock { state in
                    if Task.isCancelled || state.scans[resource]?.finished == true { return false }
                    if let claims = state.myClaims[resource], claims.read > after { return claims.won }
                    state.waiters[number] = (resource, after, continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: number) }?.continuation.resume(returning: false)
        }
    }
}
