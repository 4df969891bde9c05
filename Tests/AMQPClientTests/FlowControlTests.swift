@testable import AMQPClient
import Foundation
import Synchronization
import TestSupport
import Testing

/// RabbitMQ's flow control against the real broker: a disk alarm (`set_disk_free_limit` above the
/// free space) blocks every connection that publishes. The alarm is shared by everyone using the
/// broker, so each test keeps it short and always restores the limit.
@Suite("AMQP flow control", .serialized, .timeLimit(.minutes(3)))
struct FlowControlTests {
    @Test(
        "a publishing connection learns it is blocked (with the reason) and unblocked; the publish confirms after the alarm",
        arguments: [DiskAlarm.Kind.disk, .memory])
    func blockedAndUnblocked(alarm: DiskAlarm.Kind) async throws {
        let queue = TestBroker.uniqueName("flow")
        let changes = FlowChanges()
        let connection = try await AMQPConnection.connect(TestBroker.configuration, onFlowChange: changes.record)
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        try await channel.enableConfirms()
        #expect(!connection.isBlocked)

        let outcome = try await DiskAlarm.during(alarm) {
            try await withThrowingTaskGroup(of: AMQPPublishOutcome.self) { group in
                group.addTask { try await channel.publish(exchange: "", routingKey: queue, body: Array("held".utf8)) }
                #expect(try await eventually { connection.isBlocked })
                #expect(connection.blockedReason?.isEmpty == false)
                // The callback runs after the state change is visible: wait for it rather than race it.
                #expect(try await eventually { changes.values.count == 1 })
                #expect(changes.values.first??.isEmpty == false)
                // Blocked, not dead: the confirm waits for the alarm to clear.
                try await Task.sleep(for: .milliseconds(300))
                #expect(connection.closeReason == nil)
                DiskAlarm.clear()
                #expect(try await eventually { !connection.isBlocked })
                #expect(connection.blockedReason == nil)
                let outcome = try await group.next()!
                return outcome
            }
        }
        #expect(outcome == .confirmed)
        #expect(changes.values.count == 2)
        #expect(changes.values.last == .some(nil), "the last change is not the unblock")
        #expect(try await channel.deleteQueue(queue) == 1)
        await connection.close()
    }

    @Test("close() of a connection the broker blocks returns within its bound and fails the unconfirmed publish")
    func boundedCloseWhileBlocked() async throws {
        let queue = TestBroker.uniqueName("flow-close")
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        try await channel.enableConfirms()
        try await DiskAlarm.during {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    await #expect(throws: AMQPError.self) {
                        _ = try await channel.publish(exchange: "", routingKey: queue, body: Array("held".utf8))
                    }
                }
                #expect(try await eventually { connection.isBlocked })
                let started = ContinuousClock.now
                await connection.close(within: .seconds(1))
                // Without a bound the close waits for close-ok (rpcTimeout, 30 s) from a broker that reads nothing.
                #expect(ContinuousClock.now - started < .seconds(5))
                #expect(connection.closeReason != nil)
                try await group.waitForAll()
            }
        }
    }

    @Test("a write stuck on a broker that stopped reading is broken by close(within:); every waiting publish fails")
    func stuckWriteBroken() async throws {
        let queue = TestBroker.uniqueName("flow-stuck")
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        try await channel.enableConfirms()
        let body = [UInt8](repeating: 0x61, count: 1 << 20)
        let probe = try await TestBroker.connect()
        try await DiskAlarm.during {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask { (try? await channel.publish(exchange: "", routingKey: queue, body: [])) == nil }
                #expect(try await eventually { connection.isBlocked })
                // 48 MiB cannot fit in the socket buffers of a broker that reads nothing: the thread's write sticks.
                for _ in 0..<48 {
                    group.addTask { (try? await channel.publish(exchange: "", routingKey: queue, body: body)) == nil }
                }
                try await Task.sleep(for: .seconds(1))
                let started = ContinuousClock.now
                await connection.close(within: .seconds(1))
                #expect(ContinuousClock.now - started < .seconds(5))
                var failed = 0
                for try await publishFailed in group where publishFailed { failed += 1 }
                // The empty publish that blocked the connection was read before the broker stopped reading.
                #expect(failed >= 48)
            }
        }
        // Aborted: the thread did not end by itself within the bound (a blocked connection that is not
        // stuck skips the close handshake and ends at once), so its write was stuck until broken.
        #expect(connection.closeReason?.kind == .aborted)
        _ = try? await probe.openChannel().deleteQueue(queue)
        await probe.close()
    }

    @Test("a blocked connection with 1 s heartbeats stays open across several heartbeat periods (the broker pauses its monitor)")
    func heartbeatsWhileBlocked() async throws {
        let queue = TestBroker.uniqueName("flow-heartbeat")
        var configuration = try TestBroker.configuration
        configuration.heartbeatSeconds = 1
        let connection = try await AMQPConnection.connect(configuration)
        let channel = try await connection.openChannel()
        try await channel.declareQueue(queue, durable: false, autoDelete: true)
        try await channel.enableConfirms()
        let body = [UInt8](repeating: 0x62, count: 1 << 20)
        try await DiskAlarm.during {
            try await withThrowingTaskGroup(of: AMQPPublishOutcome.self) { group in
                group.addTask { try await channel.publish(exchange: "", routingKey: queue, body: []) }
                #expect(try await eventually { connection.isBlocked })
                // As in stuckWriteBroken, 48 MiB leave the connection thread stuck in a write.
                for _ in 0..<48 {
                    group.addTask { try await channel.publish(exchange: "", routingKey: queue, body: body) }
                }
                try await Task.sleep(for: .seconds(4))
                #expect(connection.closeReason == nil, "\(connection.closeReason.map { "\($0)" } ?? "")")
                DiskAlarm.clear()
                var confirmed = 0
                for try await outcome in group where outcome == .confirmed { confirmed += 1 }
                #expect(confirmed == 49)
            }
        }
        _ = try await channel.deleteQueue(queue)
        await connection.close()
    }
}

/// The flow changes a connection reported, in order.
final class FlowChanges: Sendable {
    private let changes = Mutex<[String?]>([])

    var values: [String?] { changes.withLock { $0 } }

    @Sendable func record(_ reason: String?) {
        changes.withLock { $0.append(reason) }
    }
}

/// A resource alarm on the test broker, restored to the broker's defaults afterwards whatever
/// happens. Alarm windows are serialised across suites and test processes by a file lock, since the
/// alarm is broker-wide and one test clearing it would end another's.
enum DiskAlarm {
    /// Which limit raises the alarm.
    enum Kind: Sendable, CustomStringConvertible {
        /// The free-disk limit far above the free space.
        case disk
        /// The memory watermark below what the broker uses.
        case memory

        var description: String { self == .disk ? "disk" : "memory" }
    }

    /// Raises the alarm, runs `body`, and clears the alarm (again) when `body` returns or throws.
    static func during<T>(_ kind: Kind = .disk, _ body: () async throws -> T) async throws -> T {
        let lock = try await AlarmLock.acquire()
        defer { AlarmLock.release(lock) }
        defer { clear() }
        switch kind {
        case .disk: #expect(try TestBroker.rabbitmqctl("set_disk_free_limit", "1000000GB").status == 0)
        case .memory: #expect(try TestBroker.rabbitmqctl("set_vm_memory_high_watermark", "absolute", "1MB").status == 0)
        }
        return try await body()
    }

    /// Restores the default limits (disk 50 MB, memory 0.4), which clears the alarms at once. Each
    /// command is repeated until rabbitmqctl reports success (a few tries): an alarm left raised
    /// would block every other test that publishes.
    static func clear() {
        for arguments in [["set_disk_free_limit", "50MB"], ["set_vm_memory_high_watermark", "0.4"]] {
            for _ in 0..<5 {
                if let result = try? TestBroker.rabbitmqctl(arguments), result.status == 0 { break }
                usleep(200_000)
            }
        }
    }
}

/// An exclusive `flock` on a file every alarm-raising test takes (BrokerAlarmTests holds the same one).
enum AlarmLock {
    static let path = "/tmp/hipcall-sync-test-broker-alarm.lock"

    /// Waits for the lock; returns the descriptor to hand to ``release(_:)``.
    static func acquire() async throws -> Int32 {
        let descriptor = open(path, O_CREAT | O_RDWR, 0o666)
        guard descriptor >= 0 else { throw CocoaError(.fileNoSuchFile) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 { try await Task.sleep(for: .milliseconds(50)) }
        return descriptor
    }

    /// Releases the lock (closing the descriptor drops it).
    static func release(_ descriptor: Int32) {
        close(descriptor)
    }
}
