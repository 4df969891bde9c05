import AMQPClient
import Foundation
@testable import HipcallSync
import Testing

@Suite("dead-letters: export and import", .serialized)
struct DeadLetterTransferTests {
    /// Four dead letters with what a round trip could lose: odd JSON spacing and non-ASCII text,
    /// a body that is not UTF-8, a UTF-8 body that is not JSON, typed and nested headers, and
    /// RabbitMQ's own x-death from a delivery limit.
    private func seed(_ world: SyncTestEnvironment) async throws {
        try await world.deadLetter(
            "company.changed", body: "{ \"event_id\":\"ev-1\", \"occurred_at\":\"2026-11-25T10:00:00Z\",\"external_id\":\"ERP-1\",\"data\":{\"name\":\"Zoë\"}}\n",
            messageID: "ev-1",
            extraHeaders: [
                "x-tenant": "acme", "x-count": .int(-7), "x-ratio": .double(0.1), "x-flag": .bool(true), "x-raw": .bytes([0, 0xff, 0x10]),
                "x-when": .timestamp(1_764_000_000), "x-nested": .table(["list": .array([.int(1), .string("two"), .void])]),
            ])
        var properties = AMQPProperties(contentType: "application/octet-stream", persistent: true, messageID: "ev-2", timestamp: 1_764_000_123, type: "weird")
        properties.priority = 3
        properties.correlationID = "corr-1"
        properties.appID = "crm"
        properties.headers = ["x-hipcall-error-class": "invalid_event", "x-hipcall-error": "body is not valid UTF-8 JSON"]
        let binary = try await world.channel.publish(
            exchange: world.topology.deadLetterExchange, routingKey: "company.changed", body: [0xff, 0x00, 0x7b, 0xfe, 0x0a],
            properties: properties, mandatory: true)
        #expect(binary == .confirmed)
        try await world.deadLetter("contact.changed", body: "hello, not json", messageID: "ev-3")
        let looping = SyncTestEnvironment.event(id: "ev-4", externalID: "ERP-4", data: #"{"name":"Loop"}"#)
        try await world.deadLetterByDeliveryLimit("company.changed", body: looping, messageID: "ev-4")
        #expect(try await world.waitUntil(timeout: .seconds(10)) { try await world.depth(world.topology.deadLetterQueue) == 4 })
    }

    /// Every dead letter's routing key, properties and body, read without consuming them.
    private func snapshot(_ world: SyncTestEnvironment) async throws -> [Snapshot] {
        let browser = try await world.connection.openChannel()
        var messages: [Snapshot] = []
        while let message = try await browser.get(queue: world.topology.deadLetterQueue) {
            let delivery = message.delivery
            messages.append(Snapshot(routingKey: delivery.routingKey, properties: delivery.properties, body: delivery.body))
        }
        try await browser.close()
        return messages
    }

    private struct Snapshot: Equatable {
        let routingKey: String
        let properties: AMQPProperties
        let body: [UInt8]
    }

    private func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("dl-\(UUID().uuidString)-\(name).ndjson").path
    }

    @Test("export, purge, import gives back every message byte for byte; export --remove empties the queue only after the file is written")
    func exportPurgeImportRoundTrips() async throws {
        try await withSyncEnvironment { world in
            try await seed(world)
            let before = try await snapshot(world)
            let first = temporaryFile("first")
            defer { try? FileManager.default.removeItem(atPath: first) }

            let export = try world.run(["dead-letters", "export", "--file", first])
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stdout.contains("exported 4 to \(first), removed 0"), "\(export.stdout)")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 4, "export without --remove removes nothing")
            let lines = try String(contentsOfFile: first, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 4)
            #expect(lines[1].contains("\"body_base64\":\"/wB7/go=\""), "a body that is not UTF-8 is base64")
            #expect(lines[2].contains("\"body_base64\""), "a body that is not JSON is base64")
            #expect(lines[0].contains(#""body":"{ \"event_id\""#), "a JSON body is text, spacing kept")

            #expect(try world.run(["dead-letters", "purge", "--yes"]).status == 0)
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            let imported = try world.run(["dead-letters", "import", "--file", first])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.contains("imported 4 of 4 into \(world.topology.deadLetterQueue), failed 0"), "\(imported.stdout)")
            #expect(try await snapshot(world) == before, "the same routing keys, properties, headers and bodies, in order")

            let second = temporaryFile("second")
            defer { try? FileManager.default.removeItem(atPath: second) }
            let removing = try world.run(["dead-letters", "export", "--file", second, "--remove"])
            #expect(removing.status == 0, "\(removing.stderr)")
            #expect(removing.stdout.contains("removed 4"), "\(removing.stdout)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: second)) == Data(contentsOf: URL(fileURLWithPath: first)), "byte for byte")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)

            let again = try world.run(["dead-letters", "export", "--file", second])
            #expect(again.status == 2, "an existing file is never overwritten")
            #expect(again.stderr.contains("--file"))
        }
    }

    @Test("import --replay republishes as a replay; a bad line refuses the whole file with exit 65 and publishes nothing")
    func importReplayAndBadLines() async throws {
        try await withSyncEnvironment { world in
            try await world.deadLetter(
                "company.changed", body: SyncTestEnvironment.event(id: "ev-r", externalID: "ERP-R", data: "{}"), messageID: "ev-r")
            let file = temporaryFile("replay")
            defer { try? FileManager.default.removeItem(atPath: file) }
            #expect(try world.run(["dead-letters", "export", "--file", file, "--remove"]).status == 0)

            let bad = temporaryFile("bad")
            defer { try? FileManager.default.removeItem(atPath: bad) }
            let good = try String(contentsOfFile: file, encoding: .utf8)
            try (good + #"{"routing_key":"company.changed","body":"{}","headers":{"x-a":{"int":"seven"}}}"# + "\n")
                .write(toFile: bad, atomically: true, encoding: .utf8)
            let refused = try world.run(["dead-letters", "import", "--file", bad])
            #expect(refused.status == 65)
            #expect(refused.stderr.contains("line 2, headers.x-a"), "\(refused.stderr)")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)

            let replayed = try world.run(["dead-letters", "import", "--file", file, "--replay", "--json"])
            #expect(replayed.status == 0, "\(replayed.stderr)")
            #expect((try replayed.json() as? [String: Any])?["published"] as? Int == 1)
            let message = try #require(try await world.take(world.topology.workQueue).first)
            #expect(message.properties.messageID == "ev-r")
            #expect(message.headers[SyncHeaders.key] == "companies:ERP-R")
            #expect(message.headers[SyncHeaders.replays] == "1")
            #expect(message.headers.keys.allSatisfy { !SyncHeaders.failureNames.contains($0) })
        }
    }
}
