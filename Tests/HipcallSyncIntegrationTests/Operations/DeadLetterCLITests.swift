import AMQPClient
import Foundation
@testable import HipcallSync

/// Running the `hipcall-sync` binary against one test world, and seeding its dead-letter queue.
extension SyncTestEnvironment {
    /// What a finished command printed and how it exited.
    struct CommandResult {
        let status: Int32
        let stdout: String
        let stderr: String

        /// The standard output parsed as JSON.
        func json() throws -> Any { try JSONSerialization.jsonObject(with: Data(stdout.utf8)) }
    }


    /// Runs `hipcall-sync` with `arguments` followed by this world's topology flags (and the
    /// variables of `environment` set), and waits for it.
    func run(_ arguments: [String], topologyFlags: Bool = true, environment extra: [String: String] = [:]) throws -> CommandResult {
        try run(arguments, topologyFlags: topologyFlags, environment: extra.mapValues { Optional($0) }, stdin: nil) { process in
            try process.run()
            process.waitUntilExit()
        }.collect()
    }

    /// Runs `hipcall-sync` as ``run(_:topologyFlags:)`` does, but waits for its exit without holding a
    /// thread of the cooperative pool, on which the in-process simulator answers the command's calls
    /// (with two cores, two blocked waits starve it). `environment` adds variables (or, set to nil,
    /// removes them); standard input is `stdin`'s file when given.
    func command(
        _ arguments: [String], topologyFlags: Bool = true, environment: [String: String?] = [:], stdin: URL? = nil
    ) async throws -> CommandResult {
        let exited = AsyncStream<Void>.makeStream()
        let result = try run(arguments, topologyFlags: topologyFlags, environment: environment, stdin: stdin) { process in
            process.terminationHandler = { _ in exited.continuation.finish() }
            try process.run()
        }
        for await _ in exited.stream {}
        return try result.collect()
    }

    /// Sets the process up (output to files, this world's environment), hands it to `start`, and
    /// returns what reads its status and output once it exited.
    private func run(
        _ arguments: [String], topologyFlags: Bool, environment extra: [String: String?], stdin: URL?, start: (Process) throws -> Void
    ) throws -> PendingCommand {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments + (topologyFlags ? topologyArguments : [])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hipcall-sync-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let out = directory.appendingPathComponent("stdout")
        let err = directory.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        var environment = ProcessInfo.processInfo.environment
        for name in ["AMQP_URL", "EVENTS_EXCHANGE", "QUEUE_PREFIX", "SYNCED_EXCHANGE", "RETRY_STEPS", "PARTITIONS", "INITIAL_GROUP_SIZE"] { environment[name] = nil }
        // The node ops/lib/broker.sh starts, for `--rabbitmqctl` (ops/test exports it).
        environment["RABBITMQ_NODENAME"] = environment["RABBITMQ_NODENAME"] ?? "hipcall-sync@localhost"
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        process.standardInput = try stdin.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        let pending = PendingCommand(process: process, directory: directory)
        do {
            try start(process)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return pending
    }

    /// A started command whose output waits in files.
    private struct PendingCommand {
        let process: Process
        let directory: URL

        /// The exited process's status and output; removes the files.
        func collect() throws -> CommandResult {
            defer { try? FileManager.default.removeItem(at: directory) }
            return CommandResult(
                status: process.terminationStatus,
                stdout: try String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8),
                stderr: try String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8))
        }
    }

    /// Publishes a dead letter as the worker does: to the dead-letter exchange with its original
    /// routing key and the `x-hipcall-*` failure headers.
    func deadLetter(
        _ routingKey: String, body: String, messageID: String?, errorClass: String = "permanent",
        error: String = "HTTP 422: name is invalid", attempts: Int = 1, failedAt: Date = Date(),
        extraHeaders: AMQPTable = [:]
    ) async throws {
        var headers = extraHeaders
        for (name, value) in SyncHeaders.failureHeaders(
            for: errorClass == "permanent" ? .permanent(reason: error, status: 422) : .transient(reason: error, status: 503),
            attempts: attempts, firstFailedAt: failedAt, lastFailedAt: failedAt)
        {
            headers[name] = .string(value)
        }
        headers["x-hipcall-routing-key"] = .string(routingKey)
        let outcome = try await channel.publish(
            exchange: topology.deadLetterExchange, routingKey: routingKey, body: Array(body.utf8),
            properties: AMQPProperties(contentType: "application/json", headers: headers, persistent: true, messageID: messageID),
            mandatory: true)
        precondition(outcome == .confirmed, "dead-letter publish was \(outcome)")
    }

    /// Publishes `body` to the events exchange and requeues it until the quorum work queue's
    /// delivery limit dead-letters it (RabbitMQ's own dead letter, with `x-death`).
    func deadLetterByDeliveryLimit(_ routingKey: String, body: String, messageID: String) async throws {
        try await publish(routingKey, body, messageID: messageID)
        let nacker = try await connection.openChannel()
        for _ in 0...topology.deliveryLimit {
            guard let message = try await nacker.get(queue: topology.workQueue) else { break }
            try message.delivery.nack(requeue: true)
        }
    }

    /// Takes every message waiting in `queue` (acking them).
    func take(_ queue: String) async throws -> [AMQPDelivery] {
        var messages: [AMQPDelivery] = []
        while let message = try await channel.get(queue: queue) {
            messages.append(message.delivery)
            try message.delivery.ack()
        }
        return messages
    }

    /// The message ids of the dead letters, in queue order, read without consuming them.
    func deadLetterIDs() async throws -> [String] {
        let browser = try await connection.openChannel()
        var ids: [String] = []
        while let message = try await browser.get(queue: topology.deadLetterQueue) {
            ids.append(message.delivery.properties.messageID ?? "-")
        }
        try await browser.close()
        return ids
    }
}
