import CRabbitMQ
import Foundation
import Logging

/// A connection to RabbitMQ. The librabbitmq state lives on a dedicated thread owned by the
/// connection; every call here hands work to that thread and suspends until it answers, so no
/// blocking C call runs on Swift's cooperative pool.
public final class AMQPConnection: Sendable {
    let mailbox: Mailbox
    /// The configuration this connection was opened with.
    public let configuration: AMQPConfiguration

    private init(mailbox: Mailbox, configuration: AMQPConfiguration) {
        self.mailbox = mailbox
        self.configuration = configuration
    }

    /// How long ``close(within:)`` waits for the broker by default before it drops the connection.
    static let defaultCloseTimeout: Duration = .seconds(2)

    /// Connects and logs in, on a new thread that then serves the connection until it closes.
    /// `onFlowChange` is told, on that thread, when the broker blocks the connection (with its
    /// reason: a resource alarm) and when it unblocks it or the connection ends while blocked (`nil`).
    public static func connect(
        _ configuration: AMQPConfiguration, logger: Logger = Logger(label: "amqp"),
        onFlowChange: (@Sendable (_ blockedReason: String?) -> Void)? = nil
    ) async throws -> AMQPConnection {
        let mailbox = try Mailbox()
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let core = ConnectionCore(configuration: configuration, mailbox: mailbox, logger: logger, onFlowChange: onFlowChange)
                do throws(AMQPError) {
                    try core.open()
                } catch {
                    mailbox.terminate(with: error)
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: AMQPConnection(mailbox: mailbox, configuration: configuration))
                core.run()
            }
            thread.name = "amqp \(configuration.host):\(configuration.port)"
            thread.start()
        }
    }

    /// Connects with a URL such as `amqp://guest:guest@127.0.0.1:5672/%2F`.
    public static func connect(url: String, logger: Logger = Logger(label: "amqp")) async throws -> AMQPConnection {
        try await connect(try AMQPConfiguration(url: url), logger: logger)
    }

    deinit {
        // Never block here: ask the thread to close, and let it free the C state.
        mailbox.submit(LoopCommand(run: { core in core.requestStop {} }, fail: { _ in }))
    }

    /// Whether the connection has ended, and why (`nil` while it is open).
    public var closeReason: AMQPError? { mailbox.terminationError }

    /// The broker's reason while it blocks this connection (RabbitMQ's `connection.blocked`, sent
    /// during a memory or disk alarm once the connection publishes); `nil` while it does not.
    var blockedReason: String? { mailbox.blockedReason }

    /// Whether the broker blocks this connection now (see ``blockedReason``).
    var isBlocked: Bool { blockedReason != nil }

    /// Drops the connection at once, from any task, without waiting for the broker: the socket is
    /// shut down, so even a write stuck on a broker that stopped reading fails, and every waiter
    /// (RPCs, publisher confirms, consumers) gets an error of kind `kind` (``AMQPError/Kind/aborted``
    /// unless told otherwise). Deliveries not acked return to their queues once the broker notices.
    public func abort(_ kind: AMQPError.Kind = .aborted, reason: String) {
        mailbox.abort(with: AMQPError(kind, message: reason))
    }

    /// Opens a new channel.
    public func openChannel() async throws -> AMQPChannel {
        let id: UInt16 = try await withCheckedThrowingContinuation { continuation in
            mailbox.submit(
                LoopCommand(
                    run: { core in
                        let channel = core.allocateChannel()
                        var open = amqp_channel_open_t(out_of_band: amqp_bytes_t(len: 0, bytes: nil))
                        core.sendRPC(on: channel, method: AMQPMethodID.channelOpen, &open, expecting: [AMQPMethodID.channelOpenOk]) {
                            result in
                            switch result {
                            case .success: continuation.resume(returning: channel.id)
                            case .failure(let error):
                                core.channels[channel.id] = nil
                                continuation.resume(throwing: error)
                            }
                        }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
        return AMQPChannel(connection: self, id: id)
    }

    /// Closes the connection cleanly and waits until the thread has freed the C state; when that
    /// takes longer than `timeout` (a broker that blocks the connection reads nothing, and a write
    /// to it can be stuck) or the calling task is cancelled, the connection is dropped with
    /// ``abort(_:reason:)`` instead. Safe to call twice.
    public func close(within timeout: Duration = .seconds(2)) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    self.mailbox.submit(
                        LoopCommand(
                            run: { core in core.requestStop(closeTimeout: timeout) { continuation.resume() } },
                            fail: { _ in continuation.resume() }))
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            if await group.next() == false {
                abort(reason: "the connection did not close within \(timeout)")
            }
            group.cancelAll()
        }
    }
}
