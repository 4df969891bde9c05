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

    /// Connects and logs in, on a new thread that then serves the connection until it closes.
    public static func connect(
        _ configuration: AMQPConfiguration, logger: Logger = Logger(label: "amqp")
    ) async throws -> AMQPConnection {
        let mailbox = try Mailbox()
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                let core = ConnectionCore(configuration: configuration, mailbox: mailbox, logger: logger)
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

    /// Closes the connection cleanly; waits until the thread has freed the C state. Safe to call twice.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            mailbox.submit(
                LoopCommand(
                    run: { core in core.requestStop { continuation.resume() } },
                    fail: { _ in continuation.resume() }))
        }
    }
}
