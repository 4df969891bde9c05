import CRabbitMQ
import Foundation
import Logging

/// The librabbitmq connection and everything that touches it. It lives on one dedicated thread:
/// every method here runs there, so the non-thread-safe C state is never shared.
final class ConnectionCore: @unchecked Sendable {
    let configuration: AMQPConfiguration
    let mailbox: Mailbox
    let logger: Logger
    /// Told when the broker blocks (its reason) or unblocks (`nil`) the connection, on this thread.
    let onFlowChange: (@Sendable (String?) -> Void)?
    private(set) var state: amqp_connection_state_t?
    var channels: [UInt16: ChannelState] = [:]
    /// Why channels that were closed went away, so later calls on them say why.
    var closedChannels: [UInt16: AMQPError] = [:]
    private var nextChannelID: UInt16 = 1
    private var stopRequests: [@Sendable () -> Void] = []
    private var stopping = false
    /// How long the polite close may wait for the broker's `close-ok`.
    private var closeTimeout: Duration = AMQPConnection.defaultCloseTimeout
    /// A write failure noticed outside the read path; the loop ends the connection with it.
    private var brokenBy: AMQPError?
    /// How many times an idle loop yields the CPU before it sleeps in `poll()`.
    private let spinsBeforeSleep = 8

    init(
        configuration: AMQPConfiguration, mailbox: Mailbox, logger: Logger, onFlowChange: (@Sendable (String?) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.mailbox = mailbox
        self.logger = logger
        self.onFlowChange = onFlowChange
    }

    /// Opens the socket (TCP or TLS) and logs in; on failure the C state is freed before returning.
    func open() throws(AMQPError) {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, message: "amqp_new_connection returned nil")
        }
        self.state = state
        do {
            try openSocket(state)
            mailbox.attach(socket: amqp_get_sockfd(state))
            try login(state)
        } catch {
            mailbox.detachSocket()
            amqp_destroy_connection(state)
            self.state = nil
            throw error
        }
    }

    private func openSocket(_ state: amqp_connection_state_t) throws(AMQPError) {
        let socket: OpaquePointer?
        if let tls = configuration.tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw AMQPError(.connectionFailed, message: "could not create a TLS socket") }
            if let caFile = tls.caCertificateFile {
                try AMQPError.requireReadable(caFile, role: "CA file (cacertfile)")
                guard amqp_ssl_socket_set_cacert(socket, caFile) == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(
                        .tls(.unusableFile(path: caFile)), message: "the TLS CA file (cacertfile) \(caFile) holds no usable PEM certificate")
                }
            }
            if let certificate = tls.clientCertificateFile, let key = tls.clientKeyFile {
                try AMQPError.requireReadable(certificate, role: "client certificate (certfile)")
                try AMQPError.requireReadable(key, role: "client key (keyfile)")
                guard amqp_ssl_socket_set_key(socket, certificate, key) == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(
                        .tls(.unusableFile(path: certificate)),
                        message: "the TLS client certificate (certfile) \(certificate) and key (keyfile) \(key) are not a usable PEM pair")
                }
            }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
        } else {
            socket = amqp_tcp_socket_new(state)
            guard socket != nil else { throw AMQPError(.connectionFailed, message: "could not create a TCP socket") }
        }
        var timeout = timeval(duration: configuration.connectTimeout)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &timeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            if let error = AMQPError.tls(status: status, host: configuration.host, port: configuration.port) { throw error }
            let reason = String(cString: amqp_error_string2(status))
            throw AMQPError(
                .connectionFailed,
                message: "cannot connect to \(configuration.host):\(configuration.port): \(reason)",
                libraryStatus: status)
        }
    }

    private func login(_ state: amqp_connection_state_t) throws(AMQPError) {
        var handshakeTimeout = timeval(duration: configuration.connectTimeout)
        amqp_set_handshake_timeout(state, &handshakeTimeout)
        var rpcTimeout = timeval(duration: configuration.rpcTimeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        let arena = CArena()
        // librabbitmq merges this into its own client properties, capabilities included. RabbitMQ
        // sends connection.blocked / unblocked only to clients that advertise the capability.
        var properties = arena.table([
            "connection_name": .string(configuration.connectionName ?? AMQPConfiguration.defaultConnectionName),
            "capabilities": .table(["connection.blocked": .bool(true)]),
        ])
        let reply = hs_amqp_login_plain_with_properties(
            state, configuration.virtualHost, 0, Int32(configuration.frameMax), Int32(configuration.heartbeatSeconds),
            &properties, configuration.user, configuration.password)
        guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
            var error = AMQPError.from(reply: reply, context: "login to vhost '\(configuration.virtualHost)' as '\(configuration.user)'")
            if error.replyCode == 403 || error.libraryStatus == AMQP_STATUS_CONNECTION_CLOSED.rawValue {
                error.kind = .authenticationFailed
                error.message = "the broker refused user '\(configuration.user)' on vhost '\(configuration.virtualHost)' (bad credentials or no access)"
            }
            throw error
        }
    }

    /// Runs until the connection ends: commands from callers, then frames from the broker, then sleep in `poll()`.
    func run() {
        guard let state else { return }
        let socket = amqp_get_sockfd(state)
        let idleMilliseconds = pollInterval()
        var failure: AMQPError?
        while failure == nil, !stopping {
            for command in mailbox.drain() { command.run(self) }
            flushAcks()
            if stopping { break }
            if hs_amqp_has_pending(state) == 0 { waitForWork(socket: socket, idleMilliseconds: idleMilliseconds) }
            failure = brokenBy ?? readAvailableFrames(state) ?? expireRPCs()
        }
        shutDown(state, failure: failure)
    }

    /// Sleeps in `poll()` until the socket is readable, a caller submits work, or the idle interval ends.
    /// A busy connection first yields a few times, so a caller's ack usually finds it awake.
    private func waitForWork(socket: Int32, idleMilliseconds: Int32) {
        var descriptors = (
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: mailbox.wakeDescriptor, events: Int16(POLLIN), revents: 0)
        )
        for _ in 0..<spinsBeforeSleep {
            if poll(&descriptors.0, 1, 0) > 0 || mailbox.hasCommands { return }
            sched_yield()
        }
        guard mailbox.prepareToSleep() else { return }
        _ = withUnsafeMutableBytes(of: &descriptors) { buffer in
            poll(buffer.baseAddress!.assumingMemoryBound(to: pollfd.self), 2, idleMilliseconds)
        }
        mailbox.woke(drainingWakeDescriptor: descriptors.1.revents != 0)
    }

    /// How long `poll()` may sleep: short enough to send heartbeats and notice RPC timeouts; short
    /// with TLS, whose decrypted bytes can wait inside OpenSSL where `poll()` cannot see them.
    private func pollInterval() -> Int32 {
        if configuration.tls != nil { return 20 }
        guard configuration.heartbeatSeconds > 0 else { return 500 }
        return Int32(min(500, configuration.heartbeatSeconds * 250))
    }

    /// Reads and dispatches every frame available without blocking; returns a connection failure.
    private func readAvailableFrames(_ state: amqp_connection_state_t) -> AMQPError? {
        var frame = amqp_frame_t()
        var zero = timeval(tv_sec: 0, tv_usec: 0)
        for _ in 0..<4096 {
            let status = amqp_simple_wait_frame_noblock(state, &frame, &zero)
            if status == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard status == AMQP_STATUS_OK.rawValue else {
                return AMQPError.library(status, context: "reading from the broker")
            }
            if let failure = dispatch(frame) { return failure }
        }
        amqp_maybe_release_buffers(state)
        return nil
    }

    /// Fails the connection when a synchronous method has waited past the RPC timeout.
    private func expireRPCs() -> AMQPError? {
        let now = ContinuousClock.now
        for channel in channels.values {
            if let first = channel.rpcs.first, first.deadline < now {
                return AMQPError(
                    .library, message: "no reply to a method on channel \(channel.id) within \(configuration.rpcTimeout)",
                    libraryStatus: AMQP_STATUS_TIMEOUT.rawValue)
            }
        }
        return nil
    }

    /// Closes the connection politely when asked, then frees the C state exactly once and fails all waiters.
    /// The polite close waits for `close-ok` at most ``closeTimeout``, and not at all while the broker
    /// blocks the connection (it reads nothing from a blocked connection until the alarm clears).
    private func shutDown(_ state: amqp_connection_state_t, failure: AMQPError?) {
        if failure == nil, mailbox.abortReason == nil, mailbox.blockedReason == nil {
            var timeout = timeval(duration: min(closeTimeout, configuration.rpcTimeout))
            amqp_set_rpc_timeout(state, &timeout)
            let reply = amqp_connection_close(state, AMQP_REPLY_SUCCESS)
            if reply.reply_type != AMQP_RESPONSE_NORMAL {
                logger.debug("the broker did not confirm the close", metadata: ["error": "\(AMQPError.from(reply: reply, context: "closing"))"])
            }
        }
        let failure = mailbox.abortReason ?? failure
        if let failure {
            logger.warning("AMQP connection lost", metadata: ["error": "\(failure)"])
        }
        mailbox.detachSocket()
        amqp_destroy_connection(state)
        self.state = nil
        let error = failure ?? AMQPError(.connectionClosed, message: "the connection was closed by this client")
        if mailbox.setBlocked(nil) { onFlowChange?(nil) }
        for channel in channels.values { channel.fail(with: error) }
        channels.removeAll()
        mailbox.terminate(with: error)
        for request in stopRequests { request() }
    }

    /// Asks the loop to close the connection, waiting at most `closeTimeout` for the broker's
    /// `close-ok`; `done` runs after the C state is freed.
    func requestStop(closeTimeout: Duration = AMQPConnection.defaultCloseTimeout, then done: @escaping @Sendable () -> Void) {
        self.closeTimeout = stopping ? min(self.closeTimeout, closeTimeout) : closeTimeout
        stopping = true
        stopRequests.append(done)
    }

    /// Allocates a channel number and its state.
    func allocateChannel() -> ChannelState {
        while channels[nextChannelID] != nil || nextChannelID == 0 { nextChannelID &+= 1 }
        let channel = ChannelState(id: nextChannelID)
        channels[nextChannelID] = channel
        closedChannels[nextChannelID] = nil
        nextChannelID &+= 1
        return channel
    }

    /// The state of an open channel, or the error explaining why it is not open.
    func channel(_ id: UInt16) -> Result<ChannelState, AMQPError> {
        if let channel = channels[id] { return .success(channel) }
        return .failure(closedChannels[id] ?? AMQPError(.channelClosed, message: "channel \(id) is not open"))
    }

    /// Sends a method and queues `complete` for its reply.
    func sendRPC<Method>(
        on channel: ChannelState, method id: amqp_method_number_t, _ method: inout Method,
        expecting replies: [amqp_method_number_t], complete: @escaping (Result<RPCReply, AMQPError>) -> Void
    ) {
        guard let state else { return complete(.failure(AMQPError(.connectionClosed, message: "connection closed"))) }
        flushAcks(of: channel)
        let status = withUnsafeMutablePointer(to: &method) { amqp_send_method(state, channel.id, id, $0) }
        guard status == AMQP_STATUS_OK.rawValue else {
            let error = AMQPError.library(status, context: "sending a method on channel \(channel.id)")
            markBroken(error)
            return complete(.failure(error))
        }
        let deadline = ContinuousClock.now + configuration.rpcTimeout
        channel.rpcs.append(PendingRPC(expected: replies, deadline: deadline, complete: complete))
    }

    /// Records a failed write; the loop closes the connection with it on its next turn.
    func markBroken(_ error: AMQPError) {
        if brokenBy == nil { brokenBy = error }
    }

    /// Sends a method that has no reply (acks, close-ok); a failure here means the connection is broken.
    @discardableResult
    func sendOneWay<Method>(channel: UInt16, method id: amqp_method_number_t, _ method: inout Method) -> Int32 {
        guard let state else { return AMQP_STATUS_CONNECTION_CLOSED.rawValue }
        return withUnsafeMutablePointer(to: &method) { amqp_send_method(state, channel, id, $0) }
    }
}

extension timeval {
    /// A `timeval` for a Swift duration.
    init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
