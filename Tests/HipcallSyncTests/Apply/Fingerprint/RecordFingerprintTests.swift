import Foundation
import Hipcall
import HipcallJSON
import Testing
@testable import HipcallSync

@Suite struct RecordFingerprintTests {
    private let at = Date(timeIntervalSince1970: 1_795_611_480.25)

    @Test func hashesAreTheSameInEveryProcess() {
        // FNV-1a 64 reference values: a process-seeded hash would change these from run to run.
        var empty = FNV1a()
        #expect(empty.value == 0xcbf2_9ce4_8422_2325)
        empty.add(Array("a".utf8))
        #expect(empty.value == 0xaf63_dc4c_8601_ec8c)
        let print = RecordFingerprint(fields: ["name": .string("Acme")], resource: .companies, observedAt: at)
        #expect(print == RecordFingerprint(fields: ["name": .string("Acme")], resource: .companies, observedAt: at))
        #expect(print.entries.count == 1)
    }

    @Test func aTypicalContactIsCompact() {
        let fields: [String: JSONValue] = [
            "first_name": "Ada", "last_name": "Lovelace", "external_id": "CRM-1", "company_id": .int(7), "job_title": "CTO",
            "custom_url": "https://crm.example/1", "linkedin_url": .null, "assign_to_user_id": .int(3),
            "phones": .array([]), "emails": .array([]), "custom_fields": .object(["tier": "gold", "score": .int(3)]),
        ]
        let print = RecordFingerprint(fields: fields, resource: .contacts, observedAt: at)
        #expect(print.entries.count == 12)
        // 8 bytes an entry: about 100 bytes of entries, plus the array's header and the time.
        #expect(MemoryLayout<UInt64>.stride * print.entries.count + MemoryLayout<RecordFingerprint>.size <= 112)
    }

    @Test func overlayingReplacesOnlyTheFieldsWritten() {
        let read = RecordFingerprint(fields: ["name": "Acme", "website_url": "a"], resource: .companies, observedAt: at)
        let written = RecordFingerprint(fields: ["name": "Acme Ltd"], resource: .companies, observedAt: at.addingTimeInterval(1))
        let merged = read.overlaid(with: written)
        #expect(merged.match("name", form: "Acme Ltd") == .same)
        #expect(merged.match("website_url", form: "a") == .same)
        #expect(merged.match("description", form: .null) == .unknown)
        #expect(merged.observedAt == at.addingTimeInterval(1))
    }

    @Test func theJournalFormRoundTripsAndRefusesMalformedOnes() throws {
        let print = RecordFingerprint(fields: ["name": "Acme", "phones": .array([])], resource: .companies, observedAt: at)
        #expect(RecordFingerprint(journal: print.journalValue) == print)
        let entries = print.journalValue.arrayValue?[1] ?? .null
        for malformed: JSONValue in [
            .null, .array([]), .array([.double(1), .string("not base64!")]), .array([.double(1), .string("AAAA")]),
            .array([.double(.infinity), entries]), .array([.double(1e300), entries]), .array([.int(1), entries]),
            .array([.double(1), .string(String(repeating: "A", count: 4 * 1_000))]),
            // Unsorted entries
            .array([.double(1), .string(Data((0..<8).map { _ in UInt8(0xFF) } + [UInt8](repeating: 0, count: 8)).base64EncodedString())]),
        ] {
            #expect(RecordFingerprint(journal: malformed) == nil, "\(malformed)")
        }
    }
}
