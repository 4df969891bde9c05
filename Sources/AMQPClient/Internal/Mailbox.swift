import CRabbitMQ
import Glibc
import Synchronization

/// Work handed from async callers to a connection's thread: `run` executes on that thread with
/// the connection's C state; `fail` answers the caller when the connection is already gone.
struct LoopCommand: Sendable {
    let run: @Sendable (ConnectionCore) -> Void
    let fail: @Sendable (AMQPError) -> Void
}

/// The queue between async callers and a connection thread, with an `eventfd` that wakes the
/// thread out of `poll()` only when it is actually asleep.
final class Mailbox: Sendable {
    private struct State {
        var commands: [LoopCommand] = []
        var sleeping = false
        var terminated: AMQPError?
        /// The connection's socket while its C state is alive (-1 before and after), so another
        /// thread can break it without racing the close of the descriptor.
        var socket: Int32 = -1
        /// Why this client dropped the connection from outside its thread, if it did.
        var aborted: AMQPError?
        /// The broker's reason while it blocks the connection (`connection.blocked`).
        var blockedReason: String?
    }

    private let state = Mutex(State())
    /// The descriptor the thread polls alongside its socket; closed once, at termination.
    let wakeDescriptor: Int32

    init() throws(AMQPError) {
        let descriptor = hs_wake_descriptor()
        guard descriptor >= 0 else {
            throw AMQPError(.connectionFailed, message: "eventfd failed: errno \(errno)")
        }
        wakeDescriptor = descriptor
    }

    /// Queues a command for the thread, or fails it at once when the connection has ended.
    func submit(_ command: LoopCommand) {
        if let failure = submitReportingTermination(command) { command.fail(failure) }
    }

    /// Queues a command like ``submit(_:)``, but returns the termination error instead of
    /// calling the command's `fail` when the connection has ended.
    func submitReportingTermination(_ command: LoopCommand) -> AMQPError? {
        state.withLock { state in
            if let terminated = state.terminated { return terminated }
            state.commands.append(command)
            if state.sleeping {
                state.sleeping = false
                var one: UInt64 = 1
                _ = write(wakeDescriptor, &one, 8)
            }
            return nil
        }
    }

    /// Takes every queued command (called on the connection thread).
    func drain() -> [LoopCommand] {
        state.withLock { state in
            let commands = state.commands
            state.commands.removeAll(keepingCapacity: true)
            return commands
        }
    }

    /// Marks the thread as about to sleep; false when commands arrived meanwhile.
    func prepareToSleep() -> Bool {
        state.withLock { state in
            guard state.commands.isEmpty else { return false }
            state.sleeping = true
            return true
        }
    }

    /// Clears the sleeping mark after `poll()` returned, and the wake-up descriptor when it fired.
    func woke(drainingWakeDescriptor: Bool) {
        state.withLock { $0.sleeping = false }
        guard drainingWakeDescriptor else { return }
        var value: UInt64 = 0
        _ = read(wakeDescriptor, &value, 8)
    }

    /// Whether commands are waiting (a cheap check for a spinning loop).
    var hasCommands: Bool { state.withLock { !$0.commands.isEmpty } }

    /// Ends the mailbox: later submissions fail with `error`; commands still queued are failed now.
    func terminate(with error: AMQPError) {
        let leftovers: [LoopCommand] = state.withLock { state in
            guard state.terminated == nil else { return [] }
            state.terminated = error
            close(wakeDescriptor)
            let commands = state.commands
            state.commands = []
            return commands
        }
        for command in leftovers { command.fail(error) }
    }

    /// Whether the connection has ended, and why.
    var terminationError: AMQPError? { state.withLock { $0.terminated } }

    /// Makes `socket` breakable by ``abort(with:)`` (called on the connection thread once it is open).
    func attach(socket: Int32) {
        state.withLock { state in
            state.socket = socket
            if state.aborted != nil { _ = shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Forgets the socket (called on the connection thread just before librabbitmq closes it).
    func detachSocket() {
        state.withLock { $0.socket = -1 }
    }

    /// Drops the connection from any thread: `shutdown(2)` on its socket makes every read, write and
    /// `poll()` of the connection thread fail at once, even a write stuck on a broker that stopped
    /// reading, and the thread then ends the connection with `error`.
    func abort(with error: AMQPError) {
        state.withLock { state in
            if state.aborted == nil { state.aborted = error }
            if state.socket >= 0 { _ = shutdown(state.socket, Int32(SHUT_RDWR)) }
        }
    }

    /// Why the connection was dropped by ``abort(with:)``, if it was.
    var abortReason: AMQPError? { state.withLock { $0.aborted } }

    /// The broker's reason while it blocks the connection, `nil` while it does not.
    var blockedReason: String? { state.withLock { $0.blockedReason } }

    /// Records a `connection.blocked` (a reason) or `connection.unblocked` (`nil`); returns whether it changed.
    func setBlocked(_ reason: String?) -> Bool {
        state.withLock { state in
            guard (state.blockedReason == nil) != (reason == nil) else { return false }
            state.blockedReason = reason
            return true
        }
    }
}
