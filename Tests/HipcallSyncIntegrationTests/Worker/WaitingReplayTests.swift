import AMQPClient
import Foundation
import Hipcall
@testable import HipcallSync
import Testing

@Suite("Worker: events waiting for their company are replayed once it is synced", .serialized)
struct WaitingReplayTests {
    @Test("a contact whose company never came within its retries waits in <prefix>.waiting and syncs by itself once the company does")
    func contactSyncsAfterItsCompany() async throws {
        try await withSyncEnvironment { world in
            try world.startWorker(["--max-attempts", "2", "--waiting-replay-interval", "2s"])
            try await world.publish(
                "contact.changed",
                SyncTestEnvironment.event(id: "wait-1", externalID: "P-1", data: #"{"first_name":"Grace","company_external_id":"CO-LATE"}"#),
                messageID: "wait-1")
            // The retry waits up to a minute for the company's creation (Upserter.companyCreationWait) before it fails again.
            #expect(try await world.waitUntil(timeout: .seconds(100)) { try await world.depth(world.topology.waitingQueue) == 1 },
                "retries used up: it waits")
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0, "not a dead letter: nothing is wrong with it")
            let waiting = try #require((try world.run(["dead-letters", "list", "--waiting", "--json"]).json() as? [[String: Any]])?.first)
            #expect(waiting["event_id"] as? String == "wait-1")
            #expect((waiting["error"] as? String)?.contains("CO-LATE") == true)
            // Nothing happens while the company is missing: a pass leaves it waiting.
            try await Task.sleep(for: .seconds(3))
            #expect(try await world.depth(world.topology.waitingQueue) == 1)
            #expect(world.records.contacts.isEmpty)

            let companyArrived = ContinuousClock.now
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "CO-LATE", data: #"{"name":"Late Co"}"#))
            #expect(try await world.waitUntil(timeout: .seconds(60)) { world.records.contacts.count == 1 }, "synced without an operator")
            let waited = ContinuousClock.now - companyArrived
            let company = try #require(world.records.companies.first)
            #expect(world.records.contacts.first?.fields["company_id"] == .int(company.id))
            #expect(waited < .seconds(60), "within a minute of its company: \(waited)")
            #expect(try await world.depth(world.topology.waitingQueue) == 0)
            #expect(try await world.takeDeadLetters().isEmpty)
        }
    }

    @Test("the waiting header names a record; anything else is not a key")
    func awaitedKey() {
        #expect(WaitingReplayer.key("companies:CO-1") == SyncKey(resource: .companies, externalID: "CO-1"))
        #expect(WaitingReplayer.key("companies:a:b") == SyncKey(resource: .companies, externalID: "a:b"))
        #expect(WaitingReplayer.key("orders:1") == nil)
        #expect(WaitingReplayer.key("companies:") == nil)
        #expect(WaitingReplayer.key("CO-1") == nil)
    }
}
