import Foundation
import HipcallJSON
import HipcallSync
import HipcallSyncOperations
import Testing

@Suite struct CRMExportTests {
    static let exportedAt = Date(timeIntervalSince1970: 1_795_611_480)

    static func parse(_ lines: [String]) throws(CRMExportError) -> CRMExport {
        try CRMExport.parse(Array(lines.joined(separator: "\n").utf8), exportedAt: exportedAt)
    }

    @Test func linesBecomeValidatedEventsWithTheExportsTimeWhenTheyHaveNone() throws {
        let export = try Self.parse([
            #"{"type":"company.changed","external_id":" ERP-1 ","data":{"name":"Acme"}}"#,
            "",
            #"{"type":"contact.changed","external_id":42,"occurred_at":"2026-11-20T08:00:00Z","data":{"first_name":"Ada","company_external_id":" ERP-1"}}"#,
            "   \r",
        ])
        #expect(export.records.map(\.line) == [1, 3])
        let company = try #require(export.byKey[SyncKey(resource: .companies, externalID: "ERP-1")])
        #expect(company.event.occurredAt == Self.exportedAt)
        #expect(company.event.data["name"] == .string("Acme"))
        #expect(UUID(uuidString: company.event.eventID) != nil, "a line without event_id gets a fresh one")
        let contact = try #require(export.byKey[SyncKey(resource: .contacts, externalID: "42")])
        #expect(contact.event.occurredAt == RFC3339.parse("2026-11-20T08:00:00Z"))
        #expect(contact.event.data["company_external_id"] == .string("ERP-1"))
        // The body resync publishes is a valid event of the line's type.
        let again = try EventDecoder().decode(routingKey: contact.routingKey, body: contact.body)
        #expect(again.key == contact.event.key)
    }

    @Test func linesWithoutEventIDsGetDistinctVersion4UUIDs() throws {
        let export = try Self.parse((1...200).map { #"{"type":"company.changed","external_id":"ERP-\#($0)","data":{"name":"Acme"}}"# })
        let ids = export.records.map(\.event.eventID)
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let uuid = try #require(UUID(uuidString: id))
            #expect(uuid.uuidString == id, "spelled as UUID().uuidString is")
            #expect(uuid.uuid.6 >> 4 == 4, "version 4")
            #expect(uuid.uuid.8 >> 6 == 0b10, "the RFC 9562 variant")
        }
    }

    @Test func everyBadLineIsReportedByNumberAndField() {
        #expect {
            try Self.parse([
                #"{"type":"company.changed","external_id":"ERP-1","data":{"name":"Acme"}}"#,
                #"{"type":"company.changed","#,
                #"{"type":"deal.changed","external_id":"D-1","data":{}}"#,
                #"{"type":"company.changed","data":{"name":"No key"}}"#,
                #"{"type":"company.changed","external_id":"ERP-1 ","data":{"name":"Twice"}}"#,
                #"{"type":"contact.changed","external_id":"C-1","data":{"first_name":7}}"#,
                #"{"external_id":"C-2","data":{"first_name":"Bo"}}"#,
            ])
        } throws: { error in
            guard let error = error as? CRMExportError else { return false }
            let found = error.lines.map { "\($0.line) \($0.field ?? "-")" }
            return found == ["2 -", "3 type", "4 external_id", "5 external_id", "6 data.first_name", "7 type"]
                && error.description.contains("line 5 (external_id): companies/ERP-1 is on line 1 already")
        }
    }
}
