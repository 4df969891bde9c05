@testable import AMQPClient
import Foundation
import TestSupport
import Testing
@testable import HipcallSync

@Suite struct JournalEntryTests {
    @Test func entriesRoundTripThroughABatchWithTheirExactTimes() {
        // Times with sub-millisecond digits: a rounded time would make equal events compare unequal.
        let rekeyed = JournalEntry(
            event: SyncEvent(
                resource: .contacts, eventID: "e-1", occurredAt: Date(timeIntervalSince1970: 1_795_611_480.123456),
                externalID: "CRM/42 \"ü\"\n", previousExternalID: "CRM/41", data: [:]),
            hipcallID: 9_001)
        let plain = JournalEntry(
            event: SyncEvent(
                resource: .companies, eventID: "e-2", occurredAt: Date(timeIntervalSince1970: 1_795_611_481), externalID: "7",
                data: [:]),
            hipcallID: 1)
        let message = JournalEntry.batchMessage([rekeyed, plain])
        let read = JournalEntry.entries(headers: message.properties.headers, body: message.body)
        #expect(read == [rekeyed, plain])
        #expect(read.first?.occurredAt == rekeyed.occurredAt)
        #expect(read.first?.previousExternalID == "CRM/41")
        #expect(read.last?.previousExternalID == nil)
        #expect(message.properties.isPersistent)
    }

    @Test func anEntryAnEarlierVersionWroteInHeadersIsStillRead() {
        let headers: AMQPTable = [
            "x-hipcall-resource": "companies", "x-hipcall-external-id": "ERP-1", "x-hipcall-id": .int(5),
            "x-hipcall-occurred-at": .double(1_795_611_480.5), "x-hipcall-event-id": "e-9",
        ]
        let read = JournalEntry.entries(headers: headers, body: [])
        #expect(read.map(\.key) == [SyncKey(resource: .companies, externalID: "ERP-1")])
        #expect(read.first?.hipcallID == 5)
        #expect(read.first?.occurredAt == Date(timeIntervalSince1970: 1_795_611_480.5))
    }

    @Test func markersAndMalformedMessagesCarryNoEntries() {
        let marker = JournalEntry.markerProperties(worker: "w-1").headers
        #expect(JournalEntry.entries(headers: marker, body: []).isEmpty)
        #expect(JournalEntry.marker(in: marker) == "w-1")
        let batch = JournalEntry.batchMessage([JournalEntry(event: makeEvent(id: "e", at: 1), hipcallID: 1)])
        #expect(JournalEntry.marker(in: batch.properties.headers) == nil)
        #expect(JournalEntry.entries(headers: batch.properties.headers, body: Array("not json".utf8)).isEmpty)
        let unknownResource = Array(#"[["deals","D-1",1,1.5,"e",null]]"#.utf8)
        #expect(JournalEntry.entries(headers: batch.properties.headers, body: unknownResource).isEmpty)
    }

    @Test func entriesWithTimesNoEventCanCarryOrBadIDsAreDropped() {
        let batch = JournalEntry.batchMessage([JournalEntry(event: makeEvent(id: "e", at: 1), hipcallID: 1)]).properties.headers
        // An infinite or far-future time would make every later event for the record look stale.
        for row in [
            #"["companies","A",1,1e400,"e",null]"#, #"["companies","A",1,1e18,"e",null]"#, #"["companies","A",1,-1e18,"e",null]"#,
            #"["companies","A",0,1.5,"e",null]"#, #"["companies","A",-3,1.5,"e",null]"#,
        ] {
            #expect(JournalEntry.entries(headers: batch, body: Array("[\(row)]".utf8)).isEmpty, "\(row)")
        }
        #expect(JournalEntry.entries(headers: batch, body: Array(#"[["companies","A",1,253402300799.5,"e",null]]"#.utf8)).count == 1)
        let legacy: AMQPTable = [
            "x-hipcall-resource": "companies", "x-hipcall-external-id": "ERP-1", "x-hipcall-id": .int(5),
            "x-hipcall-occurred-at": .double(1_795_611_480.5), "x-hipcall-event-id": "e-9",
        ]
        for (name, value): (String, AMQPFieldValue) in [
            ("x-hipcall-occurred-at", .double(.infinity)), ("x-hipcall-occurred-at", .double(.nan)), ("x-hipcall-occurred-at", "1795611480"),
            ("x-hipcall-occurred-at", .double(1e300)), ("x-hipcall-id", .int(-1)), ("x-hipcall-id", .table([:])),
            ("x-hipcall-external-id", .bytes([0xff])), ("x-hipcall-resource", .int(1)),
        ] {
            #expect(JournalEntry.entries(headers: legacy.merging([name: value]) { $1 }, body: []).isEmpty, "\(name): \(value)")
        }
        #expect(JournalEntry.marker(in: ["x-hipcall-journal-marker": .table([:])]) == nil)
    }
}
