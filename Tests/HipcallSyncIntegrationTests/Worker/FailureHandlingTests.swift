import AMQPClient
import Foundation
import Hipcall
@testable import HipcallSimulator
@testable import HipcallSync
import Testing

@Suite("Worker: poison, retries, dead letters, auth", .serialized)
struct FailureHandlingTests {
    @Test("every kind of poison message is dead-lettered at once with its reason and original body")
    func poison() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker()
            let long = String(repeating: "x", count: 256)
            let poison: [(String, [UInt8], String)] = [
                ("company.changed", Array("{not json".utf8), "malformed_json"),
                ("company.changed", [0xff, 0xfe, 0x00, 0x81], "malformed_json"),
                ("company.changed", Array("[1,2]".utf8), "not_an_object"),
                ("company.changed", Array(#"{"event_id":"p4","occurred_at":"2026-11-25T10:00:00Z","data":{"name":"x"}}"#.utf8), "missing_field"),
                ("company.changed", Array(#"{"event_id":"p5","occurred_at":"2026-11-25T10:00:00Z","external_id":"\#(long)","data":{"name":"x"}}"#.utf8), "external_id_too_long"),
                ("company.changed", Array(#"{"event_id":"p6","occurred_at":"2026-11-25T10:00:00Z","external_id":"  ","data":{"name":"x"}}"#.utf8), "empty_external_id"),
                ("company.changed", Array(#"{"event_id":"p7","occurred_at":"2026-11-25T10:00:00Z","external_id":true,"data":{"name":"x"}}"#.utf8), "wrong_type"),
                ("company.changed", Array(#"{"event_id":"p8","occurred_at":"yesterday","external_id":"k8","data":{"name":"x"}}"#.utf8), "invalid_timestamp"),
                ("company.changed", Array(#"{"event_id":"p9","occurred_at":"2026-11-25T10:00:00Z","external_id":"k9","data":{"name":7}}"#.utf8), "wrong_type"),
            ]
            for (routingKey, body, _) in poison {
                try await world.publish(routingKey, bytes: body)
            }
            // An unknown routing key on the work queue: bind one for this test.
            try await world.channel.bindQueue(world.topology.workQueue, exchange: world.topology.eventsExchange, routingKey: "deal.changed")
            let unknown = SyncTestEnvironment.event(externalID: "k10", data: #"{"name":"x"}"#)
            try await world.publish("deal.changed", unknown)

            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == UInt32(poison.count + 1) })
            let letters = try await world.takeDeadLetters()
            #expect(letters.count == poison.count + 1)
            for (index, (_, body, reason)) in poison.enumerated() {
                let letter = try #require(letters.first { $0.body == body }, "poison #\(index) missing")
                #expect(letter.headers[SyncHeaders.errorClass]?.stringValue == "invalid_event")
                #expect(letter.headers[SyncHeaders.error]?.stringValue?.hasPrefix(reason) == true, "poison #\(index): \(letter.headers[SyncHeaders.error] ?? .void)")
                #expect(letter.headers[SyncHeaders.attempts]?.stringValue == "1")
                #expect(letter.routingKey == "company.changed")
                #expect((letter.headers[SyncHeaders.error]?.stringValue?.utf8.count ?? 0) <= 1024)
            }
            let unknownLetter = try #require(letters.first { $0.routingKey == "deal.changed" })
            #expect(unknownLetter.body == Array(unknown.utf8))
            #expect(unknownLetter.headers[SyncHeaders.error]?.stringValue?.hasPrefix("unknown_routing_key") == true)
            #expect(world.records.companies.isEmpty)
            // Only list calls reached Hipcall: the worker's start-up check of the API and its scan
            // planning's count of each list (GET /companies?limit=1, GET /contacts?limit=1); no upsert.
            let stats = world.simulator.simulator.stats
            #expect(stats.total == stats.count(method: "GET", route: "/api/v3/companies") + stats.count(method: "GET", route: "/api/v3/contacts"))
        }
    }

    @Test("a transient 5xx is retried through the delay queues and then applied")
    func transientRetried() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(errorRate: 1.0)) { world in
            try world.startWorker()
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "R-1", data: #"{"name":"Retry Co"}"#))
            #expect(try await world.waitUntil { world.simulator.simulator.stats.total >= 2 })
            world.simulator.simulator.faults = SimulatorFaults()
            #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Retry Co" })
            #expect(try await world.takeDeadLetters().isEmpty)
            #expect(world.simulator.simulator.stats.count(status: 500) + world.simulator.simulator.stats.count(status: 502)
                + world.simulator.simulator.stats.count(status: 503) >= 2)
        }
    }

    @Test("a permanent 422 is dead-lettered at once with the status and the original body")
    func permanentDeadLettered() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker()
            let body = SyncTestEnvironment.event(externalID: "C-1", data: #"{"first_name":"Ada","custom_fields":{"no_such_slug":1}}"#)
            try await world.publish("contact.changed", body)
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })
            let letter = try #require(try await world.takeDeadLetters().first)
            #expect(letter.body == Array(body.utf8))
            #expect(letter.routingKey == "contact.changed")
            #expect(letter.headers[SyncHeaders.errorClass]?.stringValue == "permanent")
            #expect(letter.headers[SyncHeaders.status]?.stringValue == "422")
            #expect(letter.headers[SyncHeaders.attempts]?.stringValue == "1")
            #expect(world.records.contacts.isEmpty)
        }
    }

    @Test("transient failures past the maximum attempts are dead-lettered, never lost")
    func exhaustedRetries() async throws {
        try await withSyncEnvironment(faults: SimulatorFaults(errorRate: 1.0)) { world in
            try world.startWorker(["--max-attempts", "2"])
            let body = SyncTestEnvironment.event(externalID: "X-1", data: #"{"name":"Never"}"#)
            try await world.publish("company.changed", body)
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })
            let letter = try #require(try await world.takeDeadLetters().first)
            #expect(letter.body == Array(body.utf8))
            #expect(letter.headers[SyncHeaders.errorClass]?.stringValue == "transient")
            #expect(letter.headers[SyncHeaders.attempts]?.stringValue == "2")
            #expect(letter.headers[SyncHeaders.firstFailedAt] != nil && letter.headers[SyncHeaders.lastFailedAt] != nil)
        }
    }

    @Test("an auth failure pauses consumption without dead-lettering, and it resumes when the token works")
    func authPause() async throws {
        try await withSyncEnvironment { world in
            let lateToken = "late-\(UUID().uuidString.prefix(6))"
            try world.startWorker(["--auth-probe-interval", "500ms"], token: lateToken)
            for index in 0..<5 {
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "A-\(index)", data: #"{"name":"Auth \#(index)"}"#))
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            #expect(world.simulator.simulator.stats.count(status: 401) >= 1)
            #expect(world.simulator.simulator.records(token: lateToken) == nil)
            // The token starts working (an account appears for it): the held events are applied.
            #expect(world.simulator.simulator.addAccount(token: lateToken))
            #expect(try await world.waitUntil { world.simulator.simulator.records(token: lateToken)?.companies.count == 5 })
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
        }
    }

    @Test("a token rotated in HIPCALL_TOKEN_FILE is picked up while paused, without a restart")
    func tokenFileRotation() async throws {
        try await withSyncEnvironment { world in
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).token")
            try "expired-token\n".write(to: file, atomically: true, encoding: .utf8)
            try world.startWorker(["--auth-probe-interval", "300ms"], tokenFile: file.path)
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "ROT-1", data: #"{"name":"Rotated"}"#))
            #expect(try await world.waitUntil { world.simulator.simulator.stats.count(status: 401) >= 1 })
            #expect(world.records.companies.isEmpty)
            try "\(world.token)\n".write(to: file, atomically: true, encoding: .utf8)
            #expect(try await world.waitUntil { world.records.companies.count == 1 })
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
        }
    }
}
