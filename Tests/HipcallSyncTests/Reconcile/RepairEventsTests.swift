import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations
import Testing

@Suite struct RepairEventsTests {
    @Test func oneEventPerMissingAndDifferentFindingCompaniesFirstAtTheScansTime() throws {
        let export = try ReconcileComparisonTests.export(ReconcileComparisonTests.lines)
        let outcome = ReconcileComparison.compare(
            export, companies: ReconcileComparisonTests.companies, contacts: ReconcileComparisonTests.contacts)
        let scannedAt = Date(timeIntervalSince1970: 1_795_611_480.25)
        let events = RepairEvents.events(for: outcome.findings, export: export, scannedAt: scannedAt)
        #expect(events.map(\.key.description) == ["companies/ERP-2", "companies/ERP-3", "contacts/C-2"])
        #expect(Set(events.map(\.eventID)).count == 3)
        for event in events {
            let decoded = try EventDecoder().decode(routingKey: event.routingKey, body: event.body)
            #expect(decoded.occurredAt == scannedAt)
            #expect(event.occurredAt == "2026-11-25T12:58:00.250Z")
            #expect(decoded.data == export.byKey[event.key]?.event.data)
        }
    }
}
