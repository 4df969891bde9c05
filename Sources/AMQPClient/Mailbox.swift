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
}
