import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
@testable import SyntheticLoad
import Testing

@Suite("ConvergenceCheck: the worker's comparison rules, without I/O")
struct ConvergenceCheckTests {
    static let date = Date(timeIntervalSince1970: 1_764_075_600)

    static func state(_ entries: [(SyncResource, String, [String: JSONValue])], invalid: Int = 0) -> ExpectedState {
        var state = ExpectedState()
        for (resource, externalID, data) in entries { state.record(SyncKey(resource: resource, externalID: externalID), occurredAt: date, data: data) }
        state.invalid = invalid
        return state
    }

    @Test("a matching record converges: unmanaged fields ignored, \"\" equals null, phones and emails as sets, emails case-insensitive")
    func matching() {
        let expected = Self.state([(.companies, "CO-1", [
            "name": "Acme", "description": .null, "website_url": "",
            "phones": [["number": "+442079460001", "country": "GB", "order": 0], ["number": "+442079460002", "order": 1]],
            "emails": [["email": "Info@Acme.example", "order": 0]],
        ])], invalid: 3)
        let record = HipcallRecord(id: 1, fields: [
            "external_id": " CO-1 ", "name": "Acme", "description": "", "website_url": .null, "notes": "not managed",
            "phones": [["number": "+442079460002", "country": "US", "order": 0], ["number": " +442079460001", "order": 5]],
            "emails": [["email": "info@acme.example"]],
        ])
        let report = ConvergenceCheck.compare(expected, companies: [record], contacts: [])
        #expect(report.converged, "\(report.problems)")
        #expect(report.expected == 1 && report.invalid == 3)
    }

    @Test("a differing field, a missing key, an unexpected record and a duplicated key are each reported")
    func problems() {
        let expected = Self.state([
            (.companies, "CO-1", ["name": "Acme", "phones": [["number": "+442079460001"]]]),
            (.companies, "CO-2", ["name": "Beta"]),
            (.contacts, "7000001", ["first_name": "Ada"]),
        ])
        let companies = [
            HipcallRecord(id: 1, fields: ["external_id": "CO-1", "name": "Acme Ltd", "phones": []]),
            HipcallRecord(id: 3, fields: ["external_id": "CO-9", "name": "Stray"]),
        ]
        let contacts = [
            HipcallRecord(id: 4, fields: ["external_id": 7_000_001, "first_name": "Ada"]),
            HipcallRecord(id: 5, fields: ["external_id": "7000001", "first_name": "Ada"]),
        ]
        let report = ConvergenceCheck.compare(expected, companies: companies, contacts: contacts)
        #expect(!report.converged)
        #expect(report.lost == [SyncKey(resource: .companies, externalID: "CO-2")])
        #expect(report.unexpected == [SyncKey(resource: .companies, externalID: "CO-9")])
        #expect(report.differing == [.init(key: SyncKey(resource: .companies, externalID: "CO-1"), fields: ["name", "phones"])])
        #expect(report.duplicates == [SyncKey(resource: .contacts, externalID: "7000001"): 2])
        let json = report.json.objectValue
        #expect(json?["converged"] == false)
        #expect(json?["problems"]?.arrayValue?.count == 4)
    }

    @Test("company_external_id matches when company_id is that company's record id; null matches no company")
    func companyLink() {
        let expected = Self.state([
            (.companies, "CO-1", ["name": "Acme"]), (.contacts, "1", ["company_external_id": "CO-1"]),
            (.contacts, "2", ["company_external_id": .null]), (.contacts, "3", ["company_external_id": "CO-1"]),
        ])
        let report = ConvergenceCheck.compare(
            expected, companies: [HipcallRecord(id: 10, fields: ["external_id": "CO-1", "name": "Acme"])],
            contacts: [
                HipcallRecord(id: 1, fields: ["external_id": "1", "company_id": 10]),
                HipcallRecord(id: 2, fields: ["external_id": "2", "company_id": .null]),
                HipcallRecord(id: 3, fields: ["external_id": "3", "company_id": 11]),
            ])
        #expect(report.differing == [.init(key: SyncKey(resource: .contacts, externalID: "3"), fields: ["company_external_id"])])
    }

    @Test("expect files read back as written, and merge: the later one wins a shared key, invalid counts add up")
    func expectFiles() throws {
        let first = Self.state([(.companies, "CO-1", ["name": "Old"]), (.contacts, "1", ["first_name": "Ada"])], invalid: 2)
        let read = try #require(ExpectedState(json: first.json))
        #expect(read.json == first.json)
        var merged = read
        merged.merge(Self.state([(.companies, "CO-1", ["name": "New"])], invalid: 1))
        #expect(merged.data(for: SyncKey(resource: .companies, externalID: "CO-1")) == ["name": "New"])
        #expect(merged.keys.count == 2 && merged.invalid == 3)
        #expect(ExpectedState(json: ["companies": [:]]) == nil)
    }
}
