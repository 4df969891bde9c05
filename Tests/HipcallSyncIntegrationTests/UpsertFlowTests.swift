import Foundation
import Hipcall
import Testing

@Suite("Worker: create, update, unchanged, re-key, contacts", .serialized)
struct UpsertFlowTests {
    @Test("a new key is created, a changed one updated, and an unchanged one costs no PATCH")
    func createUpdateUnchanged() async throws {
        try await withSyncEnvironment { world in
        try world.startWorker()

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

        // A second worker knows nothing cached: it looks up, finds nothing to change, and sends no PATCH.
        let patchesBefore = world.simulator.simulator.stats.count(method: "PATCH")
        try world.startWorker()
        try await Task.sleep(for: .milliseconds(500))
        for index in 0..<4 {
            try await world.publish(
                "company.changed",
                SyncTestEnvironment.event(
                    at: "2026-11-25T10:0\(index + 1):00Z", externalID: "ERP-1", data: #"{"name":"Acme Ltd"}"#))
        }
        #expect(try await world.waitUntil { await world.settledEvents() == 6 })
        let patchesAfter = world.simulator.simulator.stats.count(method: "PATCH")
        // Events landing on the first worker PATCH by cached id (1 call each); on the second, the lookup finds no difference.
        #expect(patchesAfter - patchesBefore <= 4)
        #expect(world.records.companies.count == 1)
        #expect(try await world.takeDeadLetters().isEmpty)
        }
    }
}
