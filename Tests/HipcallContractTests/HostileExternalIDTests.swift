@testable import Hipcall
import Testing

/// External ids with characters that mean something in a URL reach exactly their record.
@Suite struct HostileExternalIDTests {
    static let hostile = ["a/b", "../companies", "x?y#z", "100%", "+44 20", "café", "a b@c", "%2F", ".", ".."]

    @Test(arguments: hostile)
    func roundTripsToTheRightRecord(raw: String) async throws {
        try await Harness.with { h in
            let externalID = h.unique(raw)
            // Decoys: records a mis-encoded or normalised path would reach instead.
            for decoy in ["a", "b", "x", "100", "+44", "caf", "companies", "z"] {
                _ = try await h.client.create(.companies, fields: ["name": .string("decoy \(decoy)"), "external_id": .string(h.unique(decoy))])
            }
            let created = try await h.client.create(.companies, fields: ["name": "Target", "external_id": .string(externalID)]).value
            #expect(created.externalID == externalID)
            let found = try await h.client.record(.companies, externalID: externalID).value
            #expect(found?.id == created.id)
            #expect(found?.externalID == externalID)
            // The same value as a contact is a separate record, found on its own route.
            let contact = try await h.client.create(.contacts, fields: ["first_name": "Target", "external_id": .string(externalID)]).value
            #expect(try await h.client.record(.contacts, externalID: externalID).value?.id == contact.id)
        }
    }

    @Test func aLongHostileIDOf255CharactersRoundTrips() async throws {
        let raw = String(repeating: "é/?#%+ ", count: 36) + "abc"
        #expect(raw.count == 255)
        try await Harness.with { h in
            let externalID = Target.isReal ? String(h.unique("").prefix(20)) + String(raw.dropFirst(20)) : raw
            let created = try await h.client.create(.companies, fields: ["name": "Long", "external_id": .string(externalID)]).value
            #expect(try await h.client.record(.companies, externalID: externalID).value?.id == created.id)
        }
    }

    @Test func pathSegmentsEncodeEverythingButUnreserved() {
        #expect(PathSegment.encode("a/b") == "a%2Fb")
        #expect(PathSegment.encode("../companies") == "..%2Fcompanies")
        #expect(PathSegment.encode("x?y#z") == "x%3Fy%23z")
        #expect(PathSegment.encode("100%") == "100%25")
        #expect(PathSegment.encode("+44 20") == "%2B44%2020")
        #expect(PathSegment.encode("café") == "caf%C3%A9")
        #expect(PathSegment.encode("..") == "%2E%2E")
        #expect(PathSegment.encode("A-z_0.9~") == "A-z_0.9~")
        for raw in HostileExternalIDTests.hostile {
            #expect(PathSegment.decode(PathSegment.encode(raw)) == raw)
        }
    }
}
