import AMQPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HipcallSimulator
@testable import HipcallSync
import Logging
import Testing

/// A RabbitMQ resource alarm against worker processes: the broker blocks the worker's publishing
/// connection mid-backlog. The alarm is the shared test broker's, so it is kept short and the
/// limit is always restored.
@Suite("Worker: broker resource alarms", .serialized, .timeLimit(.minutes(3)))
struct BrokerAlarmTests {
    @Test("a disk alarm during a backlog: /readyz 503 and the gauge while blocked, SIGTERM within grace + 5 s, and every event syncs after the alarm")
    func diskAlarmDuringBacklog() async throws {
        try await withSyncEnvironment { world in try await Self.backlogDuringDiskAlarm(world) }
    }

    @Test("a confirm that does not come within the publisher's bound drops its connection and throws; the next publish reconnects")
    func confirmTimeout() async throws {
        let lock = try await BrokerAlarm.lock()
        defer { close(lock) }
        let configuration = try AMQPConfiguration(url: SyncTestEnvironment.amqpURL)
        let queue = "test.\(UUID().uuidString.prefix(8).lowercased()).confirm-timeout"
        let admin = try await AMQPConnection.connect(configuration)
        try await admin.openChannel().declareQueue(queue, durable: false)
        let flow = BrokerFlow(metrics: WorkerMetrics())
        let publisher = ReliablePublisher(
            brokers: AMQPAddressList(configuration), logger: Logger(label: "test"), flow: flow, confirmTimeout: .seconds(1))
        #expect(try await publisher.publish(exchange: "", routingKey: queue, body: [1], properties: AMQPProperties()) == .confirmed)

        #expect(try BrokerAlarm.raiseDisk() == 0)
        defer { BrokerAlarm.clearDisk() }
        let started = ContinuousClock.now
        // Should the bound not hold, the alarm is cleared after 10 s anyway: the publish then confirms
        // (and the test fails) instead of hanging with the shared broker alarmed.
        let failure: AMQPError? = await withTaskGroup(of: AMQPError?.self) { group in
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                BrokerAlarm.clearDisk()
                return nil
            }
            var failure: AMQPError?
            do {
                _ = try await publisher.publish(exchange: "", routingKey: queue, body: [2], properties: AMQPProperties())
            } catch {
                failure = error as? AMQPError
            }
            group.cancelAll()
            return failure
        }
        #expect(failure?.kind == .confirmTimedOut, "\(failure.map { "\($0)" } ?? "the publish returned")")
        #expect(ContinuousClock.now - started < .seconds(5))
        // The dropped connection no longer counts as blocked.
        #expect(flow.blockedReason == nil)
        BrokerAlarm.clearDisk()

        #expect(try await publisher.publish(exchange: "", routingKey: queue, body: [3], properties: AMQPProperties()) == .confirmed)
        await publisher.close()
        _ = try? await admin.openChannel().deleteQueue(queue)
        await admin.close()
    }

    private static func backlogDuringDiskAlarm(_ world: SyncTestEnvironment) async throws {
        // The alarm is broker-wide: no other alarm test may raise or clear one meanwhile.
        let lock = try await BrokerAlarm.lock()
        defer { close(lock) }
        let worker = try world.startWorker(["--shutdown-grace", "3s", "--concurrency", "2"])
        try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "A-0", data: #"{"name":"warm-up"}"#))
        #expect(try await world.waitUntil { world.records.companies.count == 1 })
        #expect(await gauge(worker, "hipcall_sync_broker_blocked") == 0)

        // A slow Hipcall keeps the backlog in flight while the alarm is on.
        world.simulator.simulator.faults = SimulatorFaults(latencyMs: 1000)
        let backlog = 40
        for index in 1...backlog {
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(externalID: "A-\(index)", data: #"{"name":"alarm \#(index)"}"#))
        }
        #expect(try BrokerAlarm.raiseDisk() == 0)
        defer { BrokerAlarm.clearDisk() }
        #expect(try await world.waitUntil(timeout: .seconds(15)) { await readiness(worker).status == 503 })
        let (_, body) = await readiness(worker)
        #expect(body.contains("broker"), "readyz said \(body)")
        #expect(await gauge(worker, "hipcall_sync_broker_blocked") == 1)
        let started = ContinuousClock.now
        worker.process.terminate()
        // Without bounds the worker waits forever for confirms from the blocked connection and for its
        // close; a worker that hangs is killed, so the alarm on the shared broker stays short.
        let exitedInTime = try await world.waitUntil(timeout: .seconds(3 + 5)) { !worker.process.isRunning }
        let exited = ContinuousClock.now - started
        worker.kill()
        BrokerAlarm.clearDisk()
        #expect(exitedInTime, "SIGTERM took \(exited) with the broker blocking the worker")

        world.simulator.simulator.faults = SimulatorFaults()
        let successor = try world.startWorker()
        #expect(try await world.waitUntil { await readiness(successor).status == 200 })
        let synced = try await world.waitUntil(timeout: .seconds(60)) {
            world.records.companies.filter { $0[string: "name"]?.hasPrefix("alarm ") == true }.count == backlog
        }
        #expect(synced, "\(world.records.companies.count - 1) of \(backlog) backlog events synced")
        #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
        #expect(await gauge(successor, "hipcall_sync_broker_blocked") == 0)
        #expect(await readiness(successor).status == 200)
    }
}

/// Resource alarms on the shared test broker (callers clear them in a `defer`).
enum BrokerAlarm {
    /// Raises a disk alarm: the free-disk limit far above the free space. Returns rabbitmqctl's status.
    static func raiseDisk() throws -> Int32 {
        try rabbitmqctl("set_disk_free_limit", "1000000GB")
    }

    /// Restores the broker's default free-disk limit (50 MB), which clears the alarm at once.
    static func clearDisk() {
        _ = try? rabbitmqctl("set_disk_free_limit", "50MB")
    }

    /// Waits for the exclusive `flock` every alarm-raising test takes (FlowControlTests' `AlarmLock`);
    /// closing the returned descriptor releases it.
    static func lock() async throws -> Int32 {
        let descriptor = open("/tmp/hipcall-sync-test-broker-alarm.lock", O_CREAT | O_RDWR, 0o666)
        guard descriptor >= 0 else { throw CocoaError(.fileNoSuchFile) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return descriptor
    }

    /// Runs `rabbitmqctl` against the test broker's node; returns its exit status.
    static func rabbitmqctl(_ arguments: String...) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/rabbitmqctl")
        process.arguments = ["-q"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The value of an unlabelled gauge on the worker's `/metrics`, nil when it is not published.
private func gauge(_ worker: WorkerProcess, _ name: String) async -> Double? {
    guard let url = URL(string: "http://127.0.0.1:\(worker.metricsPort)/metrics"),
        let (data, _) = try? await URLSession.shared.data(from: url)
    else { return nil }
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix(name + " ") {
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
    return nil
}
