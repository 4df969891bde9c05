@testable import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import SyntheticLoad
import TestSupport
import Testing

@Suite("hipcall-sync publish against the real broker", .serialized)
struct PublishCommandTests {
    /// What a finished `hipcall-sync publish` process printed and returned.
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `hipcall-sync publish` against `world`'s exchange and queues.
    static func publish(_ world: SyncTestEnvironment, _ arguments: [String], stdin: String? = nil) async throws -> Run {
        let (amqpURL, topology) = (SyncTestEnvironment.amqpURL, world.topology)
        return try await offThePool {
            let process = Process()
            process.executableURL = SyncTestEnvironment.binary
            process.arguments =
                [
                    "publish", "--amqp-url", amqpURL, "--events-exchange", topology.eventsExchange,
                    "--queue-prefix", topology.prefix, "--synced-exchange", topology.syncedExchange,
                    "--retry-steps", "300ms,600ms",
                ] + arguments
            let output = Pipe()
            let errors = Pipe()
            let input = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = input
            try process.run()
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try input.fileHandleForWriting.close()
            let stdout = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    /// Takes every message from the work queue, in order.
    static func drain(_ world: SyncTestEnvironment) async throws -> [AMQPDelivery] {
        var messages: [AMQPDelivery] = []
        while let message = try await world.channel.get(queue: world.topology.workQueue) {
            messages.append(message.delivery)
            try message.delivery.ack()
        }
        return messages
    }

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("publish-test-\(UUID().uuidString)-\(name)")
    }

    @Test("synthetic events land in the work queue in order, with properties, headers and the expected state")
    func synthetic() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let expectURL = Self.temporaryFile("expect.json")
        defer { try? FileManager.default.removeItem(at: expectURL) }
        let start = "2026-11-25T13:00:00Z"
        let run = try await Self.publish(
            world,
            [
                "--count", "600", "--keys", "80", "--seed", "7", "--start-time", start, "--duplicate-ratio", "0.1",
                "--invalid-ratio", "0.1", "--out-of-order", "--json", "--expect-file", expectURL.path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(run.stdout.utf8)).objectValue)
        #expect(report["published"] == .int(600))
        #expect(report["confirmed"] == .int(600))
        #expect(report["returned"] == .int(0))
        #expect(report["ok"] == .bool(true))
        #expect(try await world.depth(world.topology.workQueue) == 600)

        let generator = SyntheticGenerator(
            SyntheticConfiguration(
                count: 600, keys: 80, duplicateRatio: 0.1, invalidRatio: 0.1, outOfOrder: true, seed: 7,
                startMilliseconds: try #require(SyntheticConfiguration.milliseconds(rfc3339: start))))
        let messages = try await Self.drain(world)
        #expect(messages.count == 600)
        for (message, event) in zip(messages, generator) {
            #expect(message.body == event.body)
            #expect(message.routingKey == event.routingKey)
            #expect(message.properties.messageID == event.messageID)
            #expect(message.properties.contentType == "application/json")
            #expect(message.properties.isPersistent)
            #expect(message.headers[SyncHeaders.key] == .string(event.partitionKey))
            #expect(message.headers["x-hipcall-routing-key"]?.stringValue == event.declaredRoutingKey)
        }
        let written = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: expectURL))
        #expect(written == generator.expectedState().json)
        #expect(written.objectValue?["invalid"] == .int(60))
    }

    @Test("NDJSON from a file and from standard input is published byte for byte")
    func ndjsonRoundTrip() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let lines = [
            #"{"type":"company.changed","event_id":"e1","occurred_at":"2026-11-25T10:00:00Z","external_id":"ERP-1","data":{"name":"Acme","phones":[{"country":"GB","number":"+442079460123","order":0}]}}"#,
            #"{"event_id":"e2","occurred_at":"2026-11-25T10:00:01Z","external_id":9876,"data":{"first_name":"Ada","company_external_id":"ERP-1"}}"#,
            #"{"type":"company.changed","event_id":"e3","occurred_at":"2026-11-25T09:00:00Z","external_id":"ERP-1","data":{"name":"Acme (old)"}}"#,
        ]
        let fileURL = Self.temporaryFile("events.ndjson")
        let expectURL = Self.temporaryFile("expect.json")
        defer {
            try? FileManager.default.removeItem(at: fileURL)
            try? FileManager.default.removeItem(at: expectURL)
        }
        try Data((lines[0] + "\r\n\n" + lines[1] + "\n" + lines[2] + "\n").utf8).write(to: fileURL)
        let fromFile = try await Self.publish(
            world, ["--file", fileURL.path, "--routing-key", "contact.changed", "--expect-file", expectURL.path])
        #expect(fromFile.status == 0, "\(fromFile.stderr)")
        #expect(fromFile.stdout.contains("confirmed 3, returned 0, nacked 0"))
        let fromStdin = try await Self.publish(world, ["--file", "-", "--routing-key", "contact.changed"], stdin: lines.joined(separator: "\n"))
        #expect(fromStdin.status == 0, "\(fromStdin.stderr)")

        let messages = try await Self.drain(world)
        #expect(messages.map { String(decoding: $0.body, as: UTF8.self) } == lines + lines)
        #expect(messages.map(\.routingKey) == Array(repeating: ["company.changed", "contact.changed", "company.changed"], count: 2).flatMap { $0 })
        #expect(messages.map(\.properties.messageID) == ["e1", "e2", "e3", "e1", "e2", "e3"])
        #expect(messages.map { $0.headers[SyncHeaders.key]?.stringValue } == Array(repeating: ["companies:ERP-1", "contacts:9876", "companies:ERP-1"], count: 2).flatMap { $0 })

        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: expectURL))
        #expect(expected.objectValue?["companies"]?.objectValue?["ERP-1"]?.objectValue?["name"] == .string("Acme"))
        #expect(expected.objectValue?["contacts"]?.objectValue?["9876"]?.objectValue?["company_external_id"] == .string("ERP-1"))
        #expect(expected.objectValue?["invalid"] == .int(0))
    }

    @Test("a bad input line stops the run before anything is sent, naming the line")
    func badLine() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let good = #"{"type":"company.changed","event_id":"e1","occurred_at":"2026-11-25T10:00:00Z","external_id":"ERP-1","data":{"name":"Acme"}}"#
        let notJSON = try await Self.publish(world, ["--file", "-"], stdin: good + "\n{oops\n")
        #expect(notJSON.status == 65)
        #expect(notJSON.stderr.contains("line 2: not a JSON object"))
        let noKey = try await Self.publish(world, ["--file", "-"], stdin: good + "\n" + good.replacingOccurrences(of: #""type":"company.changed","#, with: ""))
        #expect(noKey.status == 65)
        #expect(noKey.stderr.contains("line 2: no routing key"))
        let invalid = try await Self.publish(world, ["--file", "-"], stdin: good.replacingOccurrences(of: #""external_id":"ERP-1","#, with: ""))
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("line 1: missing_field (external_id)"))
        #expect(try await world.depth(world.topology.workQueue) == 0)
        let badFlags = try await Self.publish(world, ["--count", "10", "--keys", "5", "--updates-per-key", "2"])
        #expect(badFlags.status == 64)
    }

    @Test("events no queue takes are returned, counted, and make the run fail")
    func returned() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let lonely = world.topology.eventsExchange + ".lonely"
        try await world.channel.declareExchange(lonely, type: "topic", durable: false, autoDelete: true)
        let run = try await Self.publish(world, ["--count", "20", "--no-declare", "--events-exchange", lonely, "--json"])
        #expect(run.status == 1)
        let report = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(run.stdout.utf8)).objectValue)
        #expect(report["returned"] == .int(20))
        #expect(report["ok"] == .bool(false))
    }
}
