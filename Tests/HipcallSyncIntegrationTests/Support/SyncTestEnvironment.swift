import AMQPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hipcall
import HipcallSimulator
@testable import HipcallSync
import TestSupport

/// One isolated world for an integration test: a simulator in this process, broker objects
/// under a unique prefix on the real test broker, and `hipcall-sync` worker processes started
/// from the built binary. `stop()` ends the workers and deletes the broker objects.
final class SyncTestEnvironment: @unchecked Sendable {
    let simulator: RunningSimulator
    let token: String
    let topology: SyncTopology
    let connection: AMQPConnection
    let channel: AMQPChannel
    /// The broker URL (or comma-separated list) the workers and commands of this world are given.
    let brokerURL: String
    private var workers: [WorkerProcess] = []

    /// The built `hipcall-sync` binary (`ops/test` builds it before the tests run).
    static var binary: URL { PackagePaths.binary }

    /// The test broker's URL (`AMQP_URL` or its default).
    static var amqpURL: String { TestBroker.url }

    init(
        faults: SimulatorFaults = SimulatorFaults(), rateLimitPerMinute: Int = 0,
        retryDelays: [Duration] = [.milliseconds(300), .milliseconds(600)], partitions: Int = 0, customFieldSlugs: Set<String> = [],
        brokerURL: String = SyncTestEnvironment.amqpURL, ownConnectionURL: String? = nil
    ) async throws {
        self.brokerURL = brokerURL
        let id = TestBroker.uniqueID()
        token = "token-\(id)"
        simulator = try await HipcallSimulator.start(
            SimulatorConfiguration(
                port: 0, tokens: [token], rateLimitPerMinute: rateLimitPerMinute, faults: faults, customFieldSlugs: customFieldSlugs))
        topology = SyncTopology(
            eventsExchange: "test.\(id).events", prefix: "test.\(id)", syncedExchange: "test.\(id).synced", retryDelays: retryDelays,
            partitions: partitions)
        connection = try await AMQPConnection.connect(url: ownConnectionURL ?? brokerURL)
        channel = try await connection.openChannel()
        try await topology.declare(on: channel)
        try await channel.enableConfirms()
    }

    /// The flags that point a command at this world's broker objects.
    var topologyArguments: [String] {
        [
            "--amqp-url", brokerURL, "--events-exchange", topology.eventsExchange, "--queue-prefix", topology.prefix,
            "--synced-exchange", topology.syncedExchange,
            "--retry-steps", topology.retryDelays.map { "\($0.milliseconds)ms" }.joined(separator: ","),
            "--partitions", "\(topology.partitions)",
        ]
    }

    /// Starts a worker process against this world's simulator and queues.
    @discardableResult
    func startWorker(_ arguments: [String] = [], token: String? = nil, tokenFile: String? = nil) throws -> WorkerProcess {
        let process = Process()
        process.executableURL = Self.binary
        let metricsPort = try LoopbackListener.freePort()
        process.arguments =
            [
                "worker", "--hipcall-base-url", simulator.baseURL, "--metrics-host", "127.0.0.1",
                "--metrics-port", "\(metricsPort)", "--log-level", "warning", "--shutdown-grace", "5s",
            ] + topologyArguments + arguments
        var environment = ProcessInfo.processInfo.environment
        if let tokenFile {
            environment["HIPCALL_TOKEN"] = nil
            environment["HIPCALL_TOKEN_FILE"] = tokenFile
        } else {
            environment["HIPCALL_TOKEN"] = token ?? self.token
            environment["HIPCALL_TOKEN_FILE"] = nil
        }
        process.environment = environment
        // Never inherit the test runner's pipes: a worker that outlives a test would hold them open.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(topology.prefix).worker\(workers.count).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let worker = WorkerProcess(process: process, metricsPort: metricsPort)
        workers.append(worker)
        return worker
    }

    /// Publishes one event body (persistent, confirmed) to the events exchange.
    func publish(_ routingKey: String, _ body: String, messageID: String? = nil, headers: AMQPTable = [:]) async throws {
        try await publish(routingKey, bytes: Array(body.utf8), messageID: messageID, headers: headers)
    }

    func publish(_ routingKey: String, bytes: [UInt8], messageID: String? = nil, headers: AMQPTable = [:]) async throws {
        let outcome = try await channel.publish(
            exchange: topology.eventsExchange, routingKey: routingKey, body: bytes,
            properties: AMQPProperties(contentType: "application/json", headers: headers, persistent: true, messageID: messageID),
            mandatory: true)
        precondition(outcome == .confirmed, "publish was \(outcome)")
    }

    /// A JSON event body following the contract.
    static func event(
        id: String = UUID().uuidString, at time: String = "2026-11-25T10:00:00Z", externalID: String, previous: String? = nil,
        data: String
    ) -> String {
        var body = #"{"event_id":"\#(id)","occurred_at":"\#(time)","external_id":"\#(externalID)","data":\#(data)"#
        if let previous { body += #","previous_external_id":"\#(previous)""# }
        return body + "}"
    }

    /// This world's records in the simulator.
    var records: (companies: [HipcallRecord], contacts: [HipcallRecord]) {
        simulator.simulator.records(token: token) ?? ([], [])
    }

    /// How many messages wait in a queue.
    func depth(_ queue: String) async throws -> UInt32 {
        try await connection.openChannel().declareQueue(queue, passive: true).messageCount
    }

    /// Takes every dead letter (acking them).
    func takeDeadLetters() async throws -> [AMQPDelivery] {
        var letters: [AMQPDelivery] = []
        while let message = try await channel.get(queue: topology.deadLetterQueue) {
            letters.append(message.delivery)
            try message.delivery.ack()
        }
        return letters
    }

    /// `eventually` with this world's defaults: 30 s, polling every 100 ms (a poll may scrape every
    /// worker's metrics); returns whether `condition` held.
    func waitUntil(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        try await eventually(timeout: timeout, pollingEvery: .milliseconds(100), condition)
    }

    /// Stops the workers and removes the broker objects.
    func stop() async {
        for worker in workers { worker.kill() }
        for queue in topology.queues { _ = try? await connection.openChannel().deleteQueue(queue.name) }
        for exchange in topology.exchanges.map(\.name) {
            try? await connection.openChannel().deleteExchange(exchange)
        }
        await connection.close()
        await simulator.stop()
    }

    /// The events settled (by any outcome except `retried`) by every worker started so far.
    func settledEvents() async -> Int {
        var total = 0
        for worker in workers {
            total += await worker.events(["created", "updated", "unchanged", "coalesced", "stale", "dead_lettered"])
        }
        return total
    }
}

/// Runs `body` in a fresh environment and always stops it afterwards, even when `body` throws.
func withSyncEnvironment<T>(
    faults: SimulatorFaults = SimulatorFaults(), rateLimitPerMinute: Int = 0, partitions: Int = 0, customFieldSlugs: Set<String> = [],
    brokerURL: String = SyncTestEnvironment.amqpURL, ownConnectionURL: String? = nil,
    _ body: (SyncTestEnvironment) async throws -> T
) async throws -> T {
    let world = try await SyncTestEnvironment(
        faults: faults, rateLimitPerMinute: rateLimitPerMinute, partitions: partitions, customFieldSlugs: customFieldSlugs,
        brokerURL: brokerURL, ownConnectionURL: ownConnectionURL)
    do {
        let result = try await body(world)
        await world.stop()
        return result
    } catch {
        await world.stop()
        throw error
    }
}

/// A running `hipcall-sync worker` process.
struct WorkerProcess: Sendable {
    let process: Process
    let metricsPort: Int

    /// The worker's `hipcall_sync_events_total`, summed over resources, for the given outcomes
    /// (all outcomes when empty); 0 while its metrics endpoint is not up.
    func events(_ outcomes: Set<String> = []) async -> Int {
        guard let url = URL(string: "http://127.0.0.1:\(metricsPort)/metrics"),
            let (data, _) = try? await URLSession.shared.data(from: url)
        else { return 0 }
        var total = 0
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("hipcall_sync_events_total{") {
            let outcome = line.split(separator: "outcome=\"").dropFirst().first?.split(separator: "\"").first.map(String.init) ?? ""
            guard outcomes.isEmpty || outcomes.contains(outcome), let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            total += Int(value)
        }
        return total
    }

    /// SIGKILL: no goodbye, as in a crash.
    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the process to exit (its graceful shutdown, off the cooperative pool);
    /// returns its exit status.
    @discardableResult
    func terminate() async -> Int32 {
        let process = process
        return await offThePool {
            guard process.isRunning else { return process.terminationStatus }
            process.terminate()
            process.waitUntilExit()
            return process.terminationStatus
        }
    }
}

extension Process: @retroactive @unchecked Sendable {}

/// The worker's `/readyz` status and body (0 and "" while it does not answer).
func readiness(_ worker: WorkerProcess) async -> (status: Int, body: String) {
    guard let url = URL(string: "http://127.0.0.1:\(worker.metricsPort)/readyz"),
        let (data, response) = try? await URLSession.shared.data(from: url), let http = response as? HTTPURLResponse
    else { return (0, "") }
    return (http.statusCode, String(decoding: data, as: UTF8.self))
}
