import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import TestSupport
import Testing
@testable import HipcallSync

@Suite struct JournalFingerprintTests {
    private let print = RecordFingerprint(
        fields: ["name": "Acme", "phones": .array([])], resource: .companies, observedAt: Date(timeIntervalSince1970: 1_795_611_490.75))

    private var batchHeaders: AMQPTable { JournalEntry.batchMessage([]).properties.headers }

    @Test func entriesRoundTripWithTheirFingerprints() {
        let applied = JournalEntry(event: makeEvent(id: "e-1", at: 1_795_611_480.5), hipcallID: 7, fingerprint: print)
        let row = HipcallRecord(id: 8, fields: ["external_id": " ERP-2 ", "name": "Beta"])
        let observed = JournalEntry(observed: row, resource: .companies, at: Date(timeIntervalSince1970: 1_795_611_500.125))
        let message = JournalEntry.batchMessage([applied, observed!])
        let read = JournalEntry.entries(headers: message.properties.headers, body: message.body)
        #expect(read == [applied, observed])
        #expect(read.first?.fingerprint == print)
        #expect(read.last?.key == SyncKey(resource: .companies, externalID: "ERP-2"))
        #expect(read.last?.isObserved == true)
        #expect(read.last?.eventID == nil)
        #expect(read.last?.fingerprint?.match("name", form: "Beta") == .same)
        #expect(read.last?.fingerprint?.match("website_url", form: .null) == .unknown)
    }

    @Test func aRowWithoutAUsableExternalIDIsNotObserved() {
        #expect(JournalEntry(observed: HipcallRecord(id: 1, fields: ["external_id": .null]), resource: .companies, at: .now) == nil)
        #expect(JournalEntry(observed: HipcallRecord(id: 1, fields: ["name": "x"]), resource: .companies, at: .now) == nil)
        #expect(JournalEntry(observed: HipcallRecord(id: 1, fields: ["external_id": "  "]), resource: .companies, at: .now) == nil)
    }

    @Test func earlierRowsAreReadAndAMalformedFingerprintIsDropped() {
        let headers = batchHeaders
        let old = JournalEntry.entries(headers: headers, body: Array(#"[["companies","A",1,1.5,"e",null]]"#.utf8))
        #expect(old.count == 1)
        #expect(old.first?.eventID == "e")
        #expect(old.first?.fingerprint == nil)
        for fingerprint in [#""x""#, "[1.5]", #"[1.5,"!!"]"#, #"[1e300,"AAAAAAAAAAA="]"#, "{}", "[1.5,3]"] {
            let rows = JournalEntry.entries(headers: headers, body: Array(#"[["companies","A",1,1.5,"e",null,\#(fingerprint)]]"#.utf8))
            #expect(rows.count == 1, "\(fingerprint)")
            #expect(rows.first?.fingerprint == nil, "\(fingerprint)")
        }
        let good = print.journalValue.jsonText
        let withPrint = JournalEntry.entries(headers: headers, body: Array(#"[["companies","A",1,1.5,"e",null,\#(good)]]"#.utf8))
        #expect(withPrint.first?.fingerprint == print)
    }

    @Test func anObservedRowCannotNameAnEarlierKeyOrPassForAnEarlierVersionsRow() {
        let headers = batchHeaders
        // No event id is only for 7-member rows, and an observed entry re-keys nothing.
        for row in [#"["companies","A",1,1.5,null,null]"#, #"["companies","A",1,1.5,null,"B",null]"#, #"["companies","A",1,1.5,1,null,null]"#] {
            #expect(JournalEntry.entries(headers: headers, body: Array("[\(row)]".utf8)).isEmpty, "\(row)")
        }
        #expect(JournalEntry.entries(headers: headers, body: Array(#"[["companies","A",1,1.5,null,null,null]]"#.utf8)).first?.isObserved == true)
    }
}
