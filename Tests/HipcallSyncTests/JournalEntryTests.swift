import AMQPClient
import Foundation
import Testing
@testable import HipcallSync

@Suite struct JournalEntryTests {
    @Test func anEntryRoundTripsThroughItsHeadersWithTheExactTime() throws {
        // A time with sub-millisecond digits: a rounded time would make equal events compare unequal.
        let event = SyncEvent(
            resource: .contacts, eventID: "e-1", occurredAt: Date(timeIntervalSince1970: 1_795_611_480.123456),
            externalID: "CRM/42 ü", previousExternalID: "CRM/41", data: [:])
        let entry = JournalEntry(event: event, hipcallID: 9_001)
        let read = try #require(JournalEntry(headers: entry.properties.headers))
        #expect(read == entry)
        #expect(read.occurredAt == event.occurredAt)
        #expect(read.key == event.key)
        #expect(read.previousExternalID == "CRM/41")
    }

    @Test func markersAndMalformedMessagesAreNotEntries() {
        let marker = JournalEntry.markerProperties(worker: "w-1").headers
        #expect(JournalEntry(headers: marker) == nil)
        #expect(JournalEntry.marker(in: marker) == "w-1")
        var headers = JournalEntry(event: makeEvent(id: "e", at: 1), hipcallID: 1).properties.headers
        #expect(JournalEntry.marker(in: headers) == nil)
        headers["x-hipcall-resource"] = "deals"
        #expect(JournalEntry(headers: headers) == nil, "an unknown resource is not an entry")
    }
}
