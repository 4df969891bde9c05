import AMQPClient
import Foundation
import Testing
@testable import HipcallSync

/// The scan's journal messages: round trip, and every malformed or oversized one ignored.
@Suite struct ScanMessageTests {
    @Test(arguments: [ScanMessage.Kind.claim, .progress, .finished])
    func aMessageRoundTrips(kind: ScanMessage.Kind) {
        let message = ScanMessage(kind, .contacts, worker: "worker-1", at: Date(timeIntervalSince1970: 1_795_611_480.25), offset: 300)
        let (body, properties) = message.message
        #expect(ScanMessage(headers: properties.headers, body: body) == message)
        #expect(properties.isPersistent)
        // A scan message carries no journal entries, and an entry batch is no scan message.
        #expect(JournalEntry.entries(headers: properties.headers, body: body).isEmpty)
        let batch = JournalEntry.batchMessage([])
        #expect(ScanMessage(headers: batch.properties.headers, body: batch.body) == nil)
    }

    @Test func aWholeSecondIsReadToo() {
        let body = #"{"kind":"claim","resource":"companies","worker":"w","at":1795611480,"offset":0}"#
        #expect(ScanMessage(headers: [ScanMessage.header: .int(1)], body: Array(body.utf8))?.at == Date(timeIntervalSince1970: 1_795_611_480))
    }

    @Test(arguments: [
        #"{"kind":"claim","resource":"companies","worker":"w","at":1795611480.5,"offset":0,"extra":1}"#,
        #"{"kind":"steal","resource":"companies","worker":"w","at":1795611480.5,"offset":0}"#,
        #"{"kind":"claim","resource":"deals","worker":"w","at":1795611480.5,"offset":0}"#,
        #"{"kind":"claim","resource":"companies","worker":"","at":1795611480.5,"offset":0}"#,
        #"{"kind":"claim","resource":"companies","worker":7,"at":1795611480.5,"offset":0}"#,
        #"{"kind":"claim","resource":"companies","worker":"w","at":"now","offset":0}"#,
        #"{"kind":"claim","resource":"companies","worker":"w","at":1e300,"offset":0}"#,
        #"{"kind":"progress","resource":"companies","worker":"w","at":1795611480.5,"offset":-1}"#,
        #"{"kind":"progress","resource":"companies","worker":"w","at":1795611480.5,"offset":100000001}"#,
        #"{"kind":"progress","resource":"companies","worker":"w","at":1795611480.5,"offset":1.5}"#,
        #"{"kind":"progress","resource":"companies","worker":"w","at":1795611480.5}"#,
        #"["claim"]"#, "not json", "",
    ])
    func aMalformedMessageIsIgnored(body: String) {
        #expect(ScanMessage(headers: [ScanMessage.header: .int(1)], body: Array(body.utf8)) == nil)
    }

    @Test func anOversizedMessageIsIgnored() {
        let worker = String(repeating: "w", count: ScanMessage.maxWorkerBytes + 1)
        let long = #"{"kind":"claim","resource":"companies","worker":"\#(worker)","at":1795611480.5,"offset":0}"#
        #expect(ScanMessage(headers: [ScanMessage.header: .int(1)], body: Array(long.utf8)) == nil)
        let padded = #"{"kind":"claim","resource":"companies","worker":"w","at":1795611480.5,"offset":0}"#
            + String(repeating: " ", count: ScanMessage.maxBodyBytes)
        #expect(ScanMessage(headers: [ScanMessage.header: .int(1)], body: Array(padded.utf8)) == nil)
    }

    @Test func withoutTheHeaderABodyIsNoScanMessage() {
        let (body, _) = ScanMessage(.claim, .companies, worker: "w", at: .now, offset: 0).message
        #expect(ScanMessage(headers: [:], body: body) == nil)
    }
}
