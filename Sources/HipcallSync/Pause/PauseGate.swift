import Synchronization

/// Holds deliveries back while the worker is paused (Hipcall refuses the token, or the base URL is
/// not Hipcall's API). One expired token or one wrong URL is not the messages' fault: instead of
/// dead-lettering the backlog, deliveries wait here unacked (the prefetch window fills and the broker
/// stops sending), the worker reports itself not ready, and the prober opens the gate once the API
/// answers properly. After a long pause the held deliveries are returned to the queue (see
/// ``returnHeld(pause:)``). Every wait ends at once when its task is cancelled.
final class PauseGate: Sendable {
    /// How a delivery's wait at the gate ended.
    enum Passage: Sendable, Equatable {
        /// The gate is open: go on.
        case open
        /// The pause lasted too long: give the delivery back to the queue, unsettled.
        case returned
        /// The waiting task was cancelled.
        case cancelled
    }

    /// The current pause: why, which one (a counter), since when.
    struct Pause: Sendable, Equatable {
        var reason: PauseReason
        var number: Int
        var since: ContinuousClock.Instant
    }

    private enum Want {
        case passage, closed, open
    }

    private struct State {
        var pause: Pause?
        var pauses = 0
        var returning = false
        var nextWaiter = 0
        var waiters: [Int: (want: Want, continuation: CheckedContinuation<Passage, Never>)] = [:]

        /// The answer for a waiter that wants `want` now, or nil to wait.
        func immediate(_ want: Want) -> Passage? {
            switch want {
            case .passage: pause == nil ? .open : returning ? .returned : nil
            case .closed: pause == nil ? nil : .open
            case .open: pause == nil ? .open : nil
            }
        }

        /// Removes and returns the waiters whose wish `immediate` now grants, with the answer.
        mutating func granted() -> [(CheckedContinuation<Passage, Never>, Passage)] {
            var result: [(CheckedContinuation<Passage, Never>, Passage)] = []
            for (id, waiter) in waiters {
                guard let answer = immediate(waiter.want) else { continue }
                waiters[id] = nil
                result.append((waiter.continuation, answer))
            }
            return result
        }
    }

    private let state = Mutex(State())

    /// The current pause, nil while the gate is open.
    var pause: Pause? { state.withLock { $0.pause } }

    /// Whether deliveries are being held back.
    var isClosed: Bool { pause != nil }

    /// How many deliveries wait at the gate now.
    var heldCount: Int { state.withLock { $0.waiters.values.filter { $0.want == .passage }.count } }

    /// Waits while the gate is closed; tells whether to go on or to give the delivery back.
    func pass() async -> Passage {
        await wait(for: .passage)
    }

    /// Returns once the gate is closed (at once if it is); false when cancelled first.
    func waitUntilClosed() async -> Bool {
        await wait(for: .closed) != .cancelled
    }

    /// Returns once the gate is open (at once if it is); false when cancelled first.
    func waitUntilOpen() async -> Bool {
        await wait(for: .open) != .cancelled
    }

    /// Waits until a pause has lasted `limit` and returns it; nil when cancelled first.
    func outlasting(_ limit: Duration) async -> Pause? {
        while await waitUntilClosed() {
            guard let pause else { continue }
            do { try await Task.sleep(until: pause.since + limit, clock: .continuous) } catch { return nil }
            if self.pause?.number == pause.number { return pause }
        }
        return nil
    }

    /// Closes the gate for `reason`; returns true for the caller that closed it (who logs it).
    func close(_ reason: PauseReason) -> Bool {
        let (closed, granted) = state.withLock { state -> (Bool, [(CheckedContinuation<Passage, Never>, Passage)]) in
            guard state.pause == nil else { return (false, []) }
            state.pauses += 1
            state.pause = Pause(reason: reason, number: state.pauses, since: .now)
            state.returning = false
            return (true, state.granted())
        }
        for (continuation, answer) in granted { continuation.resume(returning: answer) }
        return closed
    }

    /// Replaces the reason of the current pause (a probe found another fault); returns whether it changed.
    func update(_ reason: PauseReason) -> Bool {
        state.withLock { state in
            guard let pause = state.pause, pause.reason != reason else { return false }
            state.pause?.reason = reason
            return true
        }
    }

    /// Opens the gate and releases every held delivery.
    func open() {
        let granted = state.withLock { state in
            state.pause = nil
            state.returning = false
            return state.granted()
        }
        for (continuation, answer) in granted { continuation.resume(returning: answer) }
    }

    /// While pause number `pause` lasts, answers every held delivery, and every one arriving
    /// later, with `.returned`; returns how many were held. Nothing happens if that pause is over.
    @discardableResult
    func returnHeld(pause number: Int) -> Int {
        let granted = state.withLock { state -> [(CheckedContinuation<Passage, Never>, Passage)] in
            guard state.pause?.number == number else { return [] }
            state.returning = true
            return state.granted()
        }
        for (continuation, answer) in granted { continuation.resume(returning: answer) }
        return granted.count
    }

    private func wait(for want: Want) async -> Passage {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Passage, Never>) in
                let answer = state.withLock { state -> Passage? in
                    if Task.isCancelled { return .cancelled }
                    if let answer = state.immediate(want) { return answer }
                    state.waiters[id] = (want, continuation)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: .cancelled)
        }
    }
}
