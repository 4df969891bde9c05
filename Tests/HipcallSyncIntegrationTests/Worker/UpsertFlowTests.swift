import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import Testing
@testable import HipcallSync

@Suite("Worker: create, update, unchanged, re-key, contacts", .serialized)
struct UpsertFlowTests {
    @Test("an older event that reaches another worker after a newer one was applied is stale there too (the journal)")
    func lateDuplicateOnAnotherWorker() async throws {
        try await withSyncEnvironment { world in
            let first = try world.startWorker()
            try await world.publish(
                "company.changed",
                SyncTestEnvironment.event(id: "v2", at: "2026-11-25T10:05:00Z", externalID: "LATE-1", data: #"{"name":"Newer"}"#))
            #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Newer" })
            #expect(await first.terminate() == 0)
            // A fresh process: only the journal can tell it that a newer change was applied.
            let second = try world.startWorker()
            try await world.publish(
                "company.changed",
                SyncTestEnvironment.event(id: "v1", at: "2026-11-25T10:00:00Z", externalID: "LATE-1", data: #"{"name":"Older"}"#))
            #expect(try await world.waitUntil { await second.events(["stale"]) == 1 })
            #expect(world.records.companies.count == 1)
            #expect(world.records.companies.first?[string: "name"] == "Newer")
        }
    }

    @Test("a created record is announced on the synced exchange with its Hipcall id, as JSON")
    func syncedNotice() async throws {
        try await withSyncEnvironment { world in
            let queue = "\(world.topology.prefix).notices"
            _ = try await world.channel.declareQueue(queue, durable: false, autoDelete: true)
            try await world.channel.bindQueue(queue, exchange: world.topology.syncedExchange, routingKey: "company.synced")
            try world.startWorker()
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(id: "n-1", externalID: "NOTE-1", data: #"{"name":"Noted"}"#))
            var notice: AMQPDelivery?
            #expect(try await world.waitUntil {
                notice = try await world.channel.get(queue: queue)?.delivery
                return notice != nil
            })
            let record = try #require(world.records.companies.first)
            let body = try #require(notice.flatMap { StrictJSON.parse($0.body) })
            #expect(body == ["external_id": "NOTE-1", "hipcall_id": .int(record.id), "event_id": "n-1", "action": "created"])
            #expect(notice?.routingKey == "company.synced")
            #expect(notice?.properties.messageID == "n-1")
        }
    }

    @Test("a new key is created, a changed one updated, and an unchanged one costs no PATCH")
    func createUpdateUnchanged() async throws {
        try await withSyncEnvironment { world in
        let first = try world.startWorker()

        try await world.publish(
            "company.changed",
            SyncTestEnvironment.event(
                at: "2026-11-25T10:00:00Z", externalID: "ERP-1",
                data: #"{"name":"Acme","website_url":"https://acme.example.com","phones":[{"country":"GB","number":"+442045205757"}]}"#))
        #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Acme" })
        let created = try #require(world.records.companies.first)
        #expect(created.externalID == "ERP-1")
        #expect(created.phones.map(\.number) == ["+442045205757"])

        try await world.publish(
            "company.changed",
            SyncTestEnvironment.event(
                at: "2026-11-25T10:01:00Z", externalID: "ERP-1", data: #"{"name":"Acme Ltd","website_url":null}"#))
        #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Acme Ltd" })
        #expect(world.records.companies.count == 1)
        #expect(world.records.companies.first?.fields["website_url"] == .null)

        // A fresh worker with nothing cached (the journal, which would tell it the id, is deleted)
        // looks the record up, finds nothing to change, and sends no PATCH. The first worker is
        // stopped so that it cannot take the event. (Once an id is known, later events PATCH it
        // directly, by design: one call, no lookup.)
        #expect(await first.terminate() == 0)
        _ = try await world.connection.openChannel().deleteQueue(world.topology.journalStream)
        let patchesBefore = world.simulator.simulator.stats.count(method: "PATCH")
        let lookupsBefore = world.simulator.simulator.stats.count(method: "GET")
        let second = try world.startWorker()
        try await world.publish(
            "company.changed",
            SyncTestEnvironment.event(at: "2026-11-25T10:02:00Z", externalID: "ERP-1", data: #"{"name":"Acme Ltd","website_url":null}"#))
        #expect(try await world.waitUntil { await second.events(["unchanged"]) == 1 })
        #expect(world.simulator.simulator.stats.count(method: "PATCH") == patchesBefore)
        #expect(world.simulator.simulator.stats.count(method: "GET") > lookupsBefore)
        #expect(world.records.companies.count == 1)
        #expect(try await world.takeDeadLetters().isEmpty)
        }
    }
}
