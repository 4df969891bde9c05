import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations
import Testing

/// The comparison alone (no I/O): every kind of drift, and what the worker's rules count as the same.
@Suite struct ReconcileComparisonTests {
    static func export(_ lines: [String]) throws -> CRMExport {
        try CRMExport.parse(Array(lines.joined(separator: "\n").utf8), exportedAt: Date(timeIntervalSince1970: 1_795_611_480))
    }

    static func record(_ id: Int64, _ fields: [String: JSONValue]) -> HipcallRecord {
        HipcallRecord(id: id, fields: fields)
    }

    static let lines = [
        // The same by the worker's rules: phones in another order and spelling, an email's case, "" for null, an integer key.
        #"{"type":"company.changed","external_id":"ERP-1","data":{"name":"Acme","description":null,"phones":[{"number":"+442045205757"},{"number":"+14155550100"}],"emails":[{"email":"Sales@Acme.example"}]}}"#,
        #"{"type":"company.changed","external_id":"ERP-2","data":{"name":"Globex","phones":[{"number":"+442045205758"}]}}"#,
        #"{"type":"company.changed","external_id":"ERP-3","data":{"name":"Missing Ltd"}}"#,
        #"{"type":"company.changed","external_id":"ERP-4","data":{"name":"Twice"}}"#,
        #"{"type":"company.changed","external_id":77,"data":{"name":"Numbered"}}"#,
        #"{"type":"contact.changed","external_id":"C-1","data":{"first_name":"Ada","company_external_id":"ERP-1"}}"#,
        #"{"type":"contact.changed","external_id":"C-2","data":{"first_name":"Bo","company_external_id":"ERP-2","custom_fields":{"tier":"gold","region":"EU"}}}"#,
        #"{"type":"contact.changed","external_id":"C-3","data":{"first_name":"Cy","job_title":"CTO"}}"#,
    ]

    static let companies = [
        record(1, ["external_id": "ERP-1", "name": "Acme", "description": "", "phones": [["number": " +14155550100", "country": "US"], ["number": "+442045205757"]], "emails": [["email": "sales@acme.example"]]]),
        record(2, ["external_id": "ERP-2", "name": "Globex Corp", "description": .null, "phones": [["number": "+442045205759"]], "emails": []]),
        record(4, ["external_id": "ERP-4", "name": "Twice", "phones": [], "emails": []]),
        record(5, ["external_id": " ERP-4", "name": "Twice", "phones": [], "emails": []]),
        record(6, ["external_id": "77", "name": "Numbered", "phones": [], "emails": []]),
        record(7, ["external_id": "ERP-9", "name": "Nobody's", "phones": [], "emails": []]),
        record(8, ["external_id": .null, "name": "Keyless", "phones": [], "emails": []]),
    ]

    static let contacts = [
        record(11, ["external_id": "C-1", "first_name": "Ada", "company_id": 1]),
        record(12, ["external_id": "C-2", "first_name": "Bo", "company_id": 1, "custom_fields": ["tier": "gold", "region": "US"]]),
        // A row that does not show job_title: not compared.
        record(13, ["external_id": "C-3", "first_name": "Cy"]),
    ]

    @Test func findsExactlyTheDriftedRecords() throws {
        let outcome = ReconcileComparison.compare(try Self.export(Self.lines), companies: Self.companies, contacts: Self.contacts)
        let found = outcome.findings.map { "\($0.kind) \($0.resource) \($0.externalID ?? "-") \($0.hipcallID.map(String.init) ?? "-")" }
        #expect(found == [
            "missing companies ERP-3 -",
            "different companies ERP-2 2",
            "orphan companies - 8",
            "orphan companies ERP-9 7",
            "duplicate companies ERP-4 4",
            "different contacts C-2 12",
        ])
        #expect(outcome.unverifiedFields == 1)
    }

    @Test func aDifferenceNamesEachFieldWithBothValues() throws {
        let outcome = ReconcileComparison.compare(try Self.export(Self.lines), companies: Self.companies, contacts: Self.contacts)
        let company = try #require(outcome.findings.first { $0.kind == .different && $0.resource == .companies })
        #expect(company.fields.map(\.field) == ["name", "phones"])
        #expect(company.fields[0].crm == "Globex" && company.fields[0].hipcall == "Globex Corp")
        #expect(company.fields[1].crm == ["+442045205758"] && company.fields[1].hipcall == ["+442045205759"])
        let contact = try #require(outcome.findings.first { $0.kind == .different && $0.resource == .contacts })
        #expect(contact.fields.map(\.field) == ["company_external_id", "custom_fields.region"])
        #expect(contact.fields[0].crm == "ERP-2" && contact.fields[0].hipcall == "ERP-1")
        #expect(contact.fields[1].crm == "EU" && contact.fields[1].hipcall == "US")
        let duplicate = try #require(outcome.findings.first { $0.kind == .duplicate })
        #expect(duplicate.hipcallIDs == [4, 5])
        let json = company.json.objectValue ?? [:]
        #expect(json["kind"] == "different" && json["resource"] == "companies" && json["external_id"] == "ERP-2" && json["hipcall_id"] == 2)
        #expect(json["fields"]?.objectValue?["name"] == ["crm": "Globex", "hipcall": "Globex Corp"])
    }

    @Test func aContactLinkedToACompanyWithoutAKeyShowsItsID() throws {
        let export = try Self.export([#"{"type":"contact.changed","external_id":"C-1","data":{"first_name":"Ada","company_external_id":null}}"#])
        let outcome = ReconcileComparison.compare(
            export, companies: [Self.record(8, ["external_id": .null, "name": "Keyless"])],
            contacts: [Self.record(11, ["external_id": "C-1", "first_name": "Ada", "company_id": 8])])
        let contact = try #require(outcome.findings.first { $0.kind == .different })
        #expect(contact.fields.map(\.field) == ["company_external_id"])
        #expect(contact.fields[0].crm == .null && contact.fields[0].hipcall == ["company_id": 8])
    }

    @Test func anAccountInLineWithTheExportHasNoFinding() throws {
        let export = try Self.export(Array(Self.lines[0..<1]) + [Self.lines[5]])
        let outcome = ReconcileComparison.compare(export, companies: [Self.companies[0]], contacts: [Self.contacts[0]])
        #expect(outcome.findings.isEmpty)
    }
}
