import Foundation
@testable import Hipcall
import HipcallSimulator
import Testing

/// The simulator's `/_sim/` endpoints.
@Suite(.enabled(if: Target.isSimulator, "introspection exists only in the simulator"))
struct IntrospectionTests {
    @Test func statsCountRequestsByMethodRouteAndStatus() async throws {
        try await Harness.with { h in
            _ = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": "s1"])
            _ = try await h.client.record(.companies, externalID: "s1")
            _ = try await h.client.record(.companies, externalID: "missing")
            _ = try await expectHipcallError { try await h.client.create(.companies, fields: ["name": "Acme", "external_id": "s1"]) }
            let answer = try await rawRequest(.GET, h.client.configuration.baseURL + "/_sim/stats")
            #expect(answer.json?["total"] == .int(4))
            #expect(answer.json?["by_status"] == ["200": 1, "201": 1, "404": 1, "422": 1])
            let stats = h.sim.stats
            let lookup = "/api/v3/companies/by-external-id/:external_id"
            #expect(stats.count(method: "GET", route: lookup, status: 200) == 1)
            #expect(stats.count(method: "GET", route: lookup, status: 404) == 1)
            #expect(stats.count(method: "POST", route: "/api/v3/companies") == 2)
            // Introspection requests themselves are not counted.
            #expect(h.sim.stats.total == 4)
        }
    }

    @Test func recordsOfAnAccountCanBeDumped() async throws {
        try await Harness.with { h in
            let company = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": "d1"]).value
            let contact = try await h.client.create(.contacts, fields: ["first_name": "Ada", "company_id": .int(company.id)]).value
            let answer = try await rawRequest(.GET, h.client.configuration.baseURL + "/_sim/accounts/\(PathSegment.encode(h.token))/records")
            #expect(answer.status == 200)
            #expect(answer.json?["companies"]?.arrayValue?.compactMap(HipcallRecord.init(data:)) == [company])
            #expect(answer.json?["contacts"]?.arrayValue?.compactMap(HipcallRecord.init(data:)) == [contact])
            #expect(h.sim.records(token: h.otherToken)?.companies.isEmpty == true)
            let unknown = try await rawRequest(.GET, h.client.configuration.baseURL + "/_sim/accounts/nobody/records")
            #expect(unknown.status == 404)
        }
    }

    @Test func resetEmptiesRecordsCountsAndWindows() async throws {
        try await Harness.with(rateLimit: 2) { h in
            _ = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": "r1"])
            _ = try await h.client.record(.companies, externalID: "r1")
            #expect(try await expectHipcallError { try await h.client.record(.companies, externalID: "r1") }.isRateLimited)
            let answer = try await rawRequest(.POST, h.client.configuration.baseURL + "/_sim/reset")
            #expect(answer.status == 200)
            #expect(h.sim.stats.total == 0)
            let after = try await h.client.record(.companies, externalID: "r1")
            #expect(after.value == nil)
            #expect(after.rateLimit?.remaining == 1)
        }
    }

    @Test func accountsCanBeAddedAtRunTime() async throws {
        try await Harness.with { h in
            let token = "added-\(UUID().uuidString)"
            let answer = try await rawRequest(.PUT, h.client.configuration.baseURL + "/_sim/accounts/\(token)")
            #expect(answer.status == 201)
            let client = HipcallClient(configuration: HipcallConfiguration(baseURL: h.client.configuration.baseURL, token: HipcallToken(token)))
            let created = try await client.create(.companies, fields: ["name": "New"])
            try await client.shutdown()
            #expect(created.status == 201)
        }
    }
}
