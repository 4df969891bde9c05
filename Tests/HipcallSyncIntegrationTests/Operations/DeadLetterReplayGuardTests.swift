import AMQPClient
import Foundation
@testable import HipcallSync
import Testing

@Suite("dead-letters: replays keep their routing, and the loop guard parks what fails every replay", .serialized)
struct DeadLetterReplayGuardTests {
    @Test("in the partitioned mode each replayed event lands in its key's partition, beside the key's live event, with or without x-hipcall-key")
    func replayLandsInTheKeysPartition() async throws {
        try await withSyncEnvironment(partitions: 4) { world in
            let ids = (1...12).map { "ERP-\($0)" }
            for (index, id) in ids.enumerated() {
                let key = SyncTopology.keyHeaderValue(resource: "companies", externalID: id)
                try await world.publishKeyed("company.changed", resource: "companies", externalID: id, SyncTestEnvironment.event(externalID: id, data: "{}"))
                // Half the dead letters kept the publisher's key; the others never had one (the key is computed from the body).
                let headers: AMQPTable = index.isMultiple(of: 2) ? [SyncHeaders.key: .string(key), "x-tenant": "acme"] : [:]
                try await world.deadLetter(
                    "company.changed", body: SyncTestEnvironment.event(externalID: id, data: #"{"name":"Co"}"#), messageID: "dl-\(id)",
                    extraHeaders: headers)
            }

            let replay = try world.run(["dead-letters", "replay", "--json"])
            #expect(replay.status == 0, "\(replay.stderr)")
            #expect((try replay.json() as? [String: Any])?["replayed"] as? Int == ids.count)

            let taken = try await world.takePartitionEvents()
            #expect(taken.count == 2 * ids.count)
            let byKey = Dictionary(grouping: taken, by: \.key)
            #expect(Set(byKey.keys) == Set(ids.map { SyncTopology.keyHeaderValue(resource: "companies", externalID: $0) }))
            for (key, events) in byKey {
                #expect(events.count == 2, "\(key): \(events)")
                #expect(Set(events.map(\.partition)).count == 1, "\(key): the live event and the replay in different partitions \(events)")
            }
            #expect(Set(taken.map(\.partition)).count > 1, "the keys spread over the partitions, so one fixed partition would show")
        }
    }

    @Test("a replay keeps routing and unknown headers, drops only the failure headers, and counts x-hipcall-replays")
    func replayHeaders() async throws {
        try await withSyncEnvironment { world in
            try await world.deadLetter(
                "company.changed", body: SyncTestEnvironment.event(id: "ev-h", externalID: "ERP-H", data: "{}"), messageID: "ev-h",
                extraHeaders: [SyncHeaders.key: "companies: ERP-H ", "x-tenant": "acme", SyncHeaders.replays: "1", "x-death": .array([])])
            let replay = try world.run(["dead-letters", "replay"])
            #expect(replay.status == 0, "\(replay.stderr)")
            let message = try #require(try await world.take(world.topology.workQueue).first)
            // The publisher's own spelling of the key is kept: it is what its live events hash.
            #expect(message.headers[SyncHeaders.key] == "companies: ERP-H ")
            #expect(message.headers["x-tenant"] == "acme")
            #expect(message.headers[SyncHeaders.replays] == "2")
            // (The quorum work queue adds its own x-delivery-count on delivery.)
            #expect(Set(message.headers.keys).subtracting([SyncHeaders.deliveryCount]) == [SyncHeaders.key, "x-tenant", SyncHeaders.replays])
        }
    }

    @Test("an event that fails every replay ends in <prefix>.parked after --max-replays replays, with the reason; --from-parked brings it back")
    func alwaysFailingMessageEndsParked() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker()
            try await world.publish("company.changed", #"{"event_id":"bad-1","external_id":"ERP-1""#, messageID: "bad-1")
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })

            for round in 1...3 {
                let replay = try world.run(["dead-letters", "replay", "--json"])
                #expect(replay.status == 0, "\(replay.stderr)")
                let summary = try #require(try replay.json() as? [String: Any])
                #expect(summary["replayed"] as? Int == 1, "round \(round)")
                #expect(summary["parked"] as? Int == 0, "round \(round)")
                #expect(try await world.waitUntil {
                    let rows = try world.run(["dead-letters", "list", "--json"]).json() as? [[String: Any]]
                    return try await world.depth(world.topology.workQueue) == 0 && rows?.first?["replays"] as? Int == round
                }, "the worker dead-lettered replay \(round) again")
            }

            let dryRun = try world.run(["dead-letters", "replay", "--dry-run"])
            #expect(dryRun.stdout.contains("would-park bad-1"), "\(dryRun.stdout)")
            #expect(dryRun.stdout.contains("would replay 0, would park 1"), "\(dryRun.stdout)")
            let fourth = try world.run(["dead-letters", "replay"])
            #expect(fourth.status == 0, "\(fourth.stderr)")
            #expect(fourth.stdout.contains("matched 1, replayed 0, parked 1, skipped 0, failed 0"), "\(fourth.stdout)")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            #expect(try await world.depth(world.topology.parkedQueue) == 1)
            #expect(try await world.depth(world.topology.workQueue) == 0, "a parked event is not handed to the workers")

            let parked = try #require((try world.run(["dead-letters", "list", "--parked", "--json"]).json() as? [[String: Any]])?.first)
            #expect(parked["event_id"] as? String == "bad-1")
            #expect(parked["error_class"] as? String == "invalid_event", "the failure headers stay on a parked message")
            let reason = try #require(parked["parked_reason"] as? String)
            #expect(reason.contains("replayed 3 times") && reason.contains("invalid_event"), "\(reason)")
            #expect(try world.run(["dead-letters", "show", "bad-1", "--parked"]).stdout.contains("parked:       replayed 3 times"))
            #expect(try world.run(["dead-letters", "list"]).stdout.contains("no dead letters"))

            let back = try world.run(["dead-letters", "replay", "--from-parked", "--json"])
            #expect((try back.json() as? [String: Any])?["replayed"] as? Int == 1, "\(back.stdout) \(back.stderr)")
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })
            #expect(try await world.depth(world.topology.parkedQueue) == 0)
            let again = try world.run(["dead-letters", "replay", "--json"])
            #expect((try again.json() as? [String: Any])?["parked"] as? Int == 1, "still failing: parked at once")
        }
    }
}
