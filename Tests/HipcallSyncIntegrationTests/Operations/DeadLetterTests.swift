@testable import AMQPClient
import Foundation
@testable import HipcallSync
@testable import HipcallSyncOperations
import Testing

@Suite("dead-letters: list, show, replay, purge", .serialized)
struct DeadLetterTests {
    /// Three dead letters: a company with a 422, a contact with a 503 (event id only in the body), a company with a 503.
    private func seed(_ world: SyncTestEnvironment) async throws {
        try await world.deadLetter(
            "company.changed", body: SyncTestEnvironment.event(id: "ev-1", externalID: "ERP-1", data: #"{"name":""}"#),
            messageID: "ev-1", error: "HTTP 422: name is invalid", attempts: 1)
        try await world.deadLetter(
            "contact.changed", body: SyncTestEnvironment.event(id: "ev-2", externalID: "C-2", data: #"{"name":"Ann"}"#),
            messageID: nil, errorClass: "transient", error: "HTTP 503: unavailable", attempts: 5)
        try await world.deadLetter(
            "company.changed", body: SyncTestEnvironment.event(id: "ev-3", externalID: "ERP-3", data: #"{"name":"Co"}"#),
            messageID: "ev-3", errorClass: "transient", error: "HTTP 503: unavailable", attempts: 5)
    }

    @Test("list shows every dead letter with its fields and consumes none, keeping their order")
    func listDoesNotConsume() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)

        let result = try world.run(["dead-letters", "list", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json() as? [[String: Any]])
        #expect(rows.map { $0["event_id"] as? String } == ["ev-1", "ev-2", "ev-3"])
        #expect(rows.map { $0["type"] as? String } == ["company.changed", "contact.changed", "company.changed"])
        #expect(rows.map { $0["external_id"] as? String } == ["ERP-1", "C-2", "ERP-3"])
        #expect(rows.map { $0["error_class"] as? String } == ["permanent", "transient", "transient"])
        #expect(rows.first?["error"] as? String == "HTTP 422: name is invalid")
        #expect(rows.map { $0["attempts"] as? Int } == [1, 5, 5])
        #expect(rows.allSatisfy { ($0["failed_at"] as? String)?.hasPrefix("20") == true })

        let table = try world.run(["dead-letters", "list"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("EVENT ID"))
        #expect(table.stdout.contains("permanent: HTTP 422: name is invalid"))
        #expect(table.stdout.contains("3 dead letters"))

        #expect(try await world.depth(world.topology.deadLetterQueue) == 3)
        #expect(try await world.deadLetterIDs() == ["ev-1", "-", "ev-3"])
    }

    @Test("show finds a dead letter by message id or by the body's event_id, and fails for an unknown id")
    func showByEventID() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)

        let byMessageID = try world.run(["dead-letters", "show", "ev-3"])
        #expect(byMessageID.status == 0, "\(byMessageID.stderr)")
        #expect(byMessageID.stdout.contains("x-hipcall-error-class: \"transient\""))
        #expect(byMessageID.stdout.contains(#""external_id":"ERP-3""#))
        #expect(!byMessageID.stdout.contains("ERP-1"))

        let byBody = try world.run(["dead-letters", "show", "ev-2", "--json"])
        #expect(byBody.status == 0, "\(byBody.stderr)")
        let messages = try #require(try byBody.json() as? [[String: Any]])
        #expect(messages.count == 1)
        #expect(messages.first?["body"] as? String == SyncTestEnvironment.event(id: "ev-2", externalID: "C-2", data: #"{"name":"Ann"}"#))
        #expect((messages.first?["headers"] as? [String: Any])?["x-hipcall-attempts"] as? String == "5")

        let missing = try world.run(["dead-letters", "show", "no-such-event"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such-event"))
        #expect(try await world.depth(world.topology.deadLetterQueue) == 3)
    }

    @Test("a dead letter without message id and with a body that is not JSON lists as '-' and shows its body in base64")
    func opaqueBody() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let body: [UInt8] = [0xff, 0x00, 0x7b, 0xfe]
        let outcome = try await world.channel.publish(
            exchange: world.topology.deadLetterExchange, routingKey: "company.changed", body: body,
            properties: AMQPProperties(headers: ["x-hipcall-error-class": "invalid_event", "x-hipcall-error": "body is not valid UTF-8 JSON"]),
            mandatory: true)
        #expect(outcome == .confirmed)

        let list = try world.run(["dead-letters", "list", "--json"])
        let rows = try #require(try list.json() as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["event_id"] is NSNull)
        #expect(rows.first?["external_id"] is NSNull)
        #expect(rows.first?["attempts"] is NSNull)
        #expect(rows.first?["error_class"] as? String == "invalid_event")
        let table = try world.run(["dead-letters", "list"])
        #expect(table.stdout.contains("-         company.changed  -"))

        let show = try world.run(["dead-letters", "show", "-", "--json"])
        #expect(show.status == 1, "an absent event id is not the id '-'")

        _ = try await world.channel.publish(
            exchange: world.topology.deadLetterExchange, routingKey: "company.changed", body: body,
            properties: AMQPProperties(messageID: "opaque-3"), mandatory: true)
        let shown = try world.run(["dead-letters", "show", "opaque-3", "--json"])
        let message = try #require((try shown.json() as? [[String: Any]])?.first)
        #expect(message["body_base64"] as? String == Data(body).base64EncodedString())
        #expect(message["body"] == nil)
        let replay = try world.run(["dead-letters", "replay", "--reason", "utf-8", "--dry-run", "--json"])
        let summary = try #require(try replay.json() as? [String: Any])
        #expect(summary["matched"] as? Int == 1)
        #expect(try await world.depth(world.topology.deadLetterQueue) == 2)
    }

    @Test("replay with a filter republishes only the matches, byte for byte, with their routing key and without failure headers")
    func replayFiltered() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)
        // Unusual spacing and non-ASCII text: the body must come back exactly as it was.
        let oddBody = "{ \"event_id\":\"ev-4\",  \"occurred_at\":\"2026-11-25T10:00:00Z\",\"external_id\":\"ERP-4\",\"data\":{\"name\":\"Zoë\"}}\n"
        try await world.deadLetter(
            "company.changed", body: oddBody, messageID: "ev-4", errorClass: "transient", error: "HTTP 503: unavailable",
            extraHeaders: ["x-tenant": "acme"])

        let result = try world.run(["dead-letters", "replay", "--reason", "503", "--type", "company.changed", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try result.json() as? [String: Any])
        #expect(summary["matched"] as? Int == 2)
        #expect(summary["replayed"] as? Int == 2)
        #expect(summary["skipped"] as? Int == 2)
        #expect(summary["failed"] as? Int == 0)

        let replayed = try await world.take(world.topology.workQueue)
        #expect(replayed.map(\.properties.messageID) == ["ev-3", "ev-4"])
        #expect(replayed.map(\.routingKey) == ["company.changed", "company.changed"])
        #expect(replayed.last?.body == Array(oddBody.utf8))
        #expect(replayed.last?.headers["x-tenant"] == "acme")
        #expect(replayed.allSatisfy { $0.properties.isPersistent && $0.properties.contentType == "application/json" })
        #expect(replayed.allSatisfy { $0.headers.keys.allSatisfy { !SyncHeaders.failureNames.contains($0) && $0 != "x-death" } })
        #expect(replayed.map { $0.headers[SyncHeaders.key] } == ["companies:ERP-3", "companies:ERP-4"], "the key, computed from the body")
        #expect(try await world.deadLetterIDs() == ["ev-1", "-"])
    }

    @Test("a dry run changes nothing")
    func dryRun() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)

        let result = try world.run(["dead-letters", "replay", "--dry-run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("would-replay ev-1"))
        #expect(result.stdout.contains("dry run: matched 3, would replay 3, would park 0, skipped 0, failed 0"))
        #expect(try await world.depth(world.topology.workQueue) == 0)
        #expect(try await world.deadLetterIDs() == ["ev-1", "-", "ev-3"])
    }

    @Test("--older-than and --limit narrow a replay")
    func olderThanAndLimit() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let hourAgo = Date().addingTimeInterval(-3600)
        for index in 1...3 {
            try await world.deadLetter(
                "company.changed", body: SyncTestEnvironment.event(id: "old-\(index)", externalID: "E-\(index)", data: "{}"),
                messageID: "old-\(index)", failedAt: hourAgo)
        }
        try await world.deadLetter(
            "company.changed", body: SyncTestEnvironment.event(id: "new", externalID: "E-9", data: "{}"), messageID: "new")

        let result = try world.run(["dead-letters", "replay", "--older-than", "10m", "--limit", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try result.json() as? [String: Any])
        #expect(summary["replayed"] as? Int == 2)
        #expect(try await world.take(world.topology.workQueue).map(\.properties.messageID) == ["old-1", "old-2"])
        #expect(try await world.deadLetterIDs() == ["old-3", "new"])

        let bad = try world.run(["dead-letters", "replay", "--older-than", "soon"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--older-than"))
    }

    @Test("a replay that cannot be routed fails, exits 1 and keeps the message")
    func replayFailureKeepsMessage() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await world.deadLetter(
            "order.changed", body: SyncTestEnvironment.event(id: "ev-x", externalID: "O-1", data: "{}"), messageID: "ev-x")
        try await seed(world)

        let result = try world.run(["dead-letters", "replay"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("failed ev-x order.changed"))
        #expect(result.stdout.contains("matched 4, replayed 3, parked 0, skipped 0, failed 1"))
        #expect(try await world.deadLetterIDs() == ["ev-x"])
        #expect(try await world.depth(world.topology.workQueue) == 3)
    }

    @Test("a message dead-lettered by the quorum queue's delivery limit is listed by its x-death and replayed without it")
    func deliveryLimitDeadLetter() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let body = SyncTestEnvironment.event(id: "ev-loop", externalID: "ERP-9", data: #"{"name":"Loop"}"#)
        try await world.deadLetterByDeliveryLimit("company.changed", body: body, messageID: "ev-loop")
        #expect(try await world.waitUntil(timeout: .seconds(10)) { try await world.depth(world.topology.deadLetterQueue) == 1 })

        let list = try world.run(["dead-letters", "list", "--json"])
        let rows = try #require(try list.json() as? [[String: Any]])
        #expect(rows.first?["error_class"] as? String == "delivery_limit")
        #expect(rows.first?["type"] as? String == "company.changed")
        #expect(rows.first?["external_id"] as? String == "ERP-9")

        let replay = try world.run(["dead-letters", "replay", "--reason", "delivery_limit"])
        #expect(replay.status == 0, "\(replay.stderr)")
        let replayed = try #require(try await world.take(world.topology.workQueue).first)
        #expect(replayed.body == Array(body.utf8))
        #expect(replayed.headers["x-death"] == nil)
        #expect(replayed.headers.keys.allSatisfy { !$0.hasPrefix("x-first-death") && !$0.hasPrefix("x-last-death") })
        #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
    }

    @Test("a worker's own dead letter is listed, and after a replay the worker counts its attempts afresh")
    func workerDeadLetterRoundTrip() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try world.startWorker()
        try await world.publish("company.changed", #"{"event_id":"bad-1","external_id":"ERP-1""#, messageID: "bad-1")
        #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })

        let before = try #require((try world.run(["dead-letters", "list", "--json"]).json() as? [[String: Any]])?.first)
        #expect(before["event_id"] as? String == "bad-1")
        #expect(before["type"] as? String == "company.changed")
        #expect(before["error_class"] as? String == "invalid_event")
        #expect(before["attempts"] as? Int == 1)

        let replay = try world.run(["dead-letters", "replay", "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect((try replay.json() as? [String: Any])?["replayed"] as? Int == 1)
        // The worker fails it again; without the old x-hipcall-attempts it counts 1, not 2.
        #expect(try await world.waitUntil {
            let workDepth = try await world.depth(world.topology.workQueue)
            let rows = try world.run(["dead-letters", "list", "--json"]).json() as? [[String: Any]]
            return workDepth == 0 && rows?.count == 1 && rows?.first?["attempts"] as? Int == 1
        })
        let after = try world.run(["dead-letters", "show", "bad-1", "--json"])
        let headers = try #require(((try after.json() as? [[String: Any]])?.first)?["headers"] as? [String: Any])
        #expect(headers["x-hipcall-attempts"] as? String == "1")
    }

    @Test("purge without --yes refuses with status 2 and deletes nothing")
    func purgeNeedsYes() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)

        let result = try world.run(["dead-letters", "purge"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--yes"))
        #expect(try await world.depth(world.topology.deadLetterQueue) == 3)
    }

    @Test("purge --yes with a filter deletes only the matches")
    func purgeFiltered() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        try await seed(world)

        let result = try world.run(["dead-letters", "purge", "--yes", "--external-id", "ERP-3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("matched 1, purged 1, skipped 2"))
        #expect(try await world.deadLetterIDs() == ["ev-1", "-"])
        #expect(try await world.depth(world.topology.workQueue) == 0)

        let json = try world.run(["dead-letters", "purge", "--yes", "--reason", "TRANSIENT", "--json"])
        let summary = try #require(try json.json() as? [String: Any])
        #expect(summary["purged"] as? Int == 1)
        #expect(try await world.deadLetterIDs() == ["ev-1"])
    }

    @Test("a replay killed at a random moment loses nothing: every event is in the dead-letter or the work queue")
    func killedReplayLosesNothing() async throws {
        let world = try await SyncTestEnvironment()
        defer { Task { await world.stop() } }
        let count = 2000
        for index in 0..<count {
            try await world.deadLetter(
                "company.changed", body: SyncTestEnvironment.event(id: "k-\(index)", externalID: "E-\(index)", data: "{}"),
                messageID: "k-\(index)")
        }
        let process = Process()
        process.executableURL = SyncTestEnvironment.binary
        process.arguments = ["dead-letters", "replay"] + world.topologyArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        #expect(try await world.waitUntil(timeout: .seconds(20)) { try await world.depth(world.topology.workQueue) >= 20 })
        let wasRunning = process.isRunning
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        #expect(try await world.waitUntil(timeout: .seconds(10)) {
            let total = try await world.depth(world.topology.workQueue) + world.depth(world.topology.deadLetterQueue)
            return total >= count
        })
        let left = try await world.deadLetterIDs()
        let replayed = try await world.take(world.topology.workQueue).compactMap(\.properties.messageID)
        #expect(wasRunning, "the replay finished before it could be killed")
        #expect(!left.isEmpty && left.count < count)
        #expect(Set(left + replayed) == Set((0..<count).map { "k-\($0)" }))
        // The messages that stayed are still in their original order.
        #expect(left == left.sorted { Int($0.dropFirst(2))! < Int($1.dropFirst(2))! })
    }
}
