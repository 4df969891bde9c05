import AMQPClient
import Foundation
import Logging
import Testing
import TestSupport
@testable import HipcallSync

@Suite("Several broker addresses", .serialized)
struct BrokerAddressListTests {
    /// An address on a loopback port nothing listens on, with a password that must never be shown.
    static func deadAddress(password: String) throws -> String {
        "amqp://sync:\(password)@127.0.0.1:\(try LoopbackListener.freePort())/%2F"
    }

    /// `list` parsed with the first seed whose shuffle puts an address on `port` first.
    static func shuffled(_ list: String, firstPort port: Int) throws -> AMQPAddressList {
        for seed in UInt64(0)..<64 {
            var generator = SeededRNG(seed: seed)
            let addresses = try AMQPAddressList(list: list, using: &generator)
            if addresses.addresses.first?.port == port { return addresses }
        }
        throw AMQPError(.invalidURL(part: "list"), message: "no seed below 64 puts port \(port) first")
    }

    @Test("a publisher whose first address is dead connects to the next, the live broker, and its publish is confirmed")
    func publisherSkipsDeadAddress() async throws {
        try await withSyncEnvironment { world in
            let dead = try Self.deadAddress(password: "DeadPw9")
            let deadPort = try AMQPConfiguration(url: dead).port
            let brokers = try Self.shuffled("\(dead),\(SyncTestEnvironment.amqpURL)", firstPort: deadPort)
            let publisher = ReliablePublisher(brokers: brokers, logger: Logger(label: "test"))
            let outcome = try await publisher.publish(
                exchange: "", routingKey: world.topology.workQueue, body: Array("{}".utf8), properties: AMQPProperties())
            await publisher.close()
            #expect(outcome == .confirmed)
            #expect(try await world.depth(world.topology.workQueue) == 1)
        }
    }

    @Test("a worker given a dead address and the live broker (in either order) syncs events, and its log shows no password")
    func workerWithDeadAddress() async throws {
        try await withSyncEnvironment { world in
            let dead = try Self.deadAddress(password: "DeadPw9")
            let list = "\(dead), \(SyncTestEnvironment.amqpURL)"
            let worker = try world.startWorker(["--amqp-url", list, "--log-level", "info"])
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(externalID: "LIST-1", data: #"{"name":"Listed"}"#))
            #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Listed" })
            #expect(await worker.terminate() == 0)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).worker0.log")
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(text.contains("consuming"))
            // The worker took the list (its start line names the dead address, redacted).
            #expect(text.contains("sync:***@127.0.0.1:\(try AMQPConfiguration(url: dead).port)"), "\(text)")
            #expect(!text.contains("DeadPw9"))
        }
    }

    @Test("a reconnect after a lost connection goes to the address after the one it was on")
    func reconnectGoesToTheNext() async throws {
        // Two spellings of the live broker (they differ in the heartbeat only): both answer.
        let base = SyncTestEnvironment.amqpURL.split(separator: "?")[0]
        let list = try AMQPAddressList(list: "\(base)?heartbeat=7,\(base)?heartbeat=9")
        let first = try await AMQPConnection.connect(list)
        #expect(first.configuration == list.addresses[0])
        first.abort(reason: "the test drops the connection")
        let second = try await AMQPConnection.connect(list, after: first.configuration)
        #expect(second.configuration == list.addresses[1])
        let third = try await AMQPConnection.connect(list, after: second.configuration)
        #expect(third.configuration == list.addresses[0])
        await second.close()
        await third.close()
    }

    @Test("when no address answers, the error names every one without its password")
    func allDead() async throws {
        let list = try AMQPAddressList(
            list: "\(try Self.deadAddress(password: "DeadPw1")),\(try Self.deadAddress(password: "DeadPw2"))")
        let error = await #expect(throws: AMQPError.self) { try await AMQPConnection.connect(list) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("no broker address answered"))
        for address in list.addresses { #expect(message.contains("sync:***@127.0.0.1:\(address.port)")) }
        #expect(!message.contains("DeadPw"))
    }

    @Test("an operator command given only dead addresses exits 2 naming them, without any password")
    func commandWithOnlyDeadAddresses() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let (first, second) = (try Self.deadAddress(password: "DeadPw1"), try Self.deadAddress(password: "DeadPw2"))
        let result = try world.run(["topology", "verify", "--amqp-url", "\(first),\(second)"], topologyFlags: false)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot reach the broker"))
        for url in [first, second] {
            #expect(result.stderr.contains("127.0.0.1:\(try AMQPConfiguration(url: url).port)"), "\(result.stderr)")
        }
        #expect(!result.stderr.contains("DeadPw"))
    }
}
