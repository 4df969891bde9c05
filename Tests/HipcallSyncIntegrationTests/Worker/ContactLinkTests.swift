import Foundation
import Hipcall
import Testing

@Suite("Worker: contacts, companies and re-keys", .serialized)
struct ContactLinkTests {
    @Test("a contact names its company by external id; one whose company arrives later is retried and linked")
    func contactCompanyLink() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker()
            try await world.publish(
                "contact.changed",
                SyncTestEnvironment.event(externalID: "P-1", data: #"{"first_name":"Grace","company_external_id":"CO-LATE"}"#))
            try await Task.sleep(for: .milliseconds(500))
            #expect(world.records.contacts.isEmpty)
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "CO-LATE", data: #"{"name":"Late Co"}"#))
            #expect(try await world.waitUntil { world.records.contacts.count == 1 })
            let company = try #require(world.records.companies.first)
            #expect(world.records.contacts.first?.fields["company_id"] == .int(company.id))
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("a re-key moves the record to its new external id; a replay of it changes nothing")
    func rekey() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker()
            try await world.publish("company.changed", SyncTestEnvironment.event(at: "2026-11-25T10:00:00Z", externalID: "OLD-1", data: #"{"name":"Rekey Co"}"#))
            #expect(try await world.waitUntil { world.records.companies.count == 1 })
            let rekey = SyncTestEnvironment.event(id: "rekey-1", at: "2026-11-25T10:05:00Z", externalID: "NEW-1", previous: "OLD-1", data: #"{"name":"Rekey Co"}"#)
            try await world.publish("company.changed", rekey)
            #expect(try await world.waitUntil { world.records.companies.first?.externalID == "NEW-1" })
            try await world.publish("company.changed", rekey)
            #expect(try await world.waitUntil { await world.settledEvents() == 3 })
            #expect(world.records.companies.count == 1)
            #expect(world.records.companies.first?.externalID == "NEW-1")
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }
}
