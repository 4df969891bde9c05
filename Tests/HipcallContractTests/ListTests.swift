import Hipcall
import HipcallJSON
import Testing

/// `GET /{resource}?limit=&offset=&sort=&q=` and its `meta`, as `../shared/hipcall-api.md` (Lists) has it.
@Suite struct ListTests {
    @Test(arguments: [0, 101])
    func aLimitOutside1To100IsA422(limit: Int) async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.list(.companies, limit: limit) }
            #expect(error.status == 422)
            #expect(error.fieldErrors["limit"]?.isEmpty == false)
        }
    }

    @Test func pagesCarryMeta() async throws {
        try await Harness.with { h in
            for index in 1...3 {
                _ = try await h.client.create(.contacts, fields: ["first_name": .string("P\(index)"), "external_id": .string(h.unique("page-\(index)"))])
            }
            let first = try await h.client.list(.contacts, limit: 2, offset: 0).value
            #expect(first.records.count == 2)
            #expect(first.limit == 2)
            #expect(first.offset == 0)
            #expect((first.count ?? 0) >= 3)
            let second = try await h.client.list(.contacts, limit: 100, offset: 1).value
            #expect(second.offset == 1)
            #expect(second.limit == 100)
            if Target.isSimulator {
                #expect(first.count == 3)
                #expect(second.records.map { $0[string: "first_name"] } == ["P2", "P3"])
            }
        }
    }

    @Test func withoutALimitAPageHoldsTen() async throws {
        try await Harness.with { h in
            for index in 0..<12 {
                _ = try await h.client.create(.companies, fields: ["name": .string("Ten \(index)"), "external_id": .string(h.unique("ten-\(index)"))])
            }
            let answer = try await rawRequest(.GET, h.client.configuration.apiRoot + "/companies", token: h.token)
            #expect(answer.status == 200)
            #expect(answer.json?["data"]?.arrayValue?.count == HipcallObservations.defaultPageSize)
            #expect(answer.json?["meta"]?["limit"]?.intValue == Int64(HipcallObservations.defaultPageSize))
        }
    }

    @Test(arguments: [("created_at%5Bgte%5D=2026-01-01", "created_at[gte]"), ("page=2", "page"), ("external_id=x", "external_id")])
    func anUnknownParameterIsRefusedWithUnexpectedField(parameter: String, name: String) async throws {
        try await Harness.with { h in
            let answer = try await rawRequest(.GET, h.client.configuration.apiRoot + "/companies?limit=1&\(parameter)", token: h.token)
            #expect(answer.status == 422)
            #expect(answer.json?["errors"]?[name]?.arrayValue == [.string("Unexpected field: \(name)")])
        }
    }

    @Test func companiesSortByIDAndNameEitherWay() async throws {
        try await Harness.with { h in
            var ids: [Int64] = []
            for name in ["Bravo", "alpha", "Charlie"] {
                ids.append(try await h.client.create(.companies, fields: ["name": .string(name), "external_id": .string(h.unique(name))]).value.id)
            }
            guard Target.isSimulator else { return }
            let ascending = try await h.client.list(.companies, limit: 100, sort: "id.asc").value.records.map(\.id)
            let descending = try await h.client.list(.companies, limit: 100, sort: "id.desc").value.records.map(\.id)
            #expect(ascending == ids)
            #expect(descending == ids.reversed())
            let byName = try await h.client.list(.companies, limit: 100, sort: "name.asc").value.records.map { $0[string: "name"] }
            #expect(byName == ["alpha", "Bravo", "Charlie"])
            let byNameDown = try await h.client.list(.companies, limit: 2, offset: 1, sort: "name.desc").value
            #expect(byNameDown.records.map { $0[string: "name"] } == ["Bravo", "alpha"])
            #expect(byNameDown.count == 3)
        }
    }

    @Test func contactsSortByTheirNameFields() async throws {
        try await Harness.with { h in
            for (first, last) in [("Zoe", "Adams"), ("Adam", "Young"), ("Adam", "Brown")] {
                _ = try await h.client.create(
                    .contacts, fields: ["first_name": .string(first), "last_name": .string(last), "external_id": .string(h.unique(first + last))])
            }
            guard Target.isSimulator else { return }
            func names(_ sort: String) async throws -> [String] {
                try await h.client.list(.contacts, limit: 100, sort: sort).value.records.map {
                    "\($0[string: "first_name"] ?? "") \($0[string: "last_name"] ?? "")"
                }
            }
            #expect(try await names("last_name.asc") == ["Zoe Adams", "Adam Brown", "Adam Young"])
            #expect(try await names("full_name.asc") == ["Adam Brown", "Adam Young", "Zoe Adams"])
            // Ties (two Adams) keep id order.
            #expect(try await names("first_name.asc") == ["Adam Young", "Adam Brown", "Zoe Adams"])
            #expect(try await names("first_name.desc") == ["Zoe Adams", "Adam Young", "Adam Brown"])
        }
    }

    @Test(arguments: [("companies", "first_name.asc"), ("companies", "name"), ("contacts", "name.asc"), ("contacts", "id.up")])
    func aSortItsResourceDoesNotOfferIsA422(resource: String, sort: String) async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.list(HipcallResource(rawValue: resource)!, limit: 1, sort: sort) }
            #expect(error.status == 422)
            #expect(error.fieldErrors["sort"]?.isEmpty == false)
        }
    }

    @Test func qSearchesAndMetaCountsTheMatchesNotThePage() async throws {
        try await Harness.with { h in
            for index in 0..<5 {
                _ = try await h.client.create(
                    .companies, fields: ["name": .string("Acme \(index)"), "external_id": .string(h.unique("q-acme-\(index)"))])
            }
            _ = try await h.client.create(
                .companies,
                fields: [
                    "name": .string("Other"), "external_id": .string(h.unique("q-other")),
                    "emails": .array([.object(["email": .string("desk@needle.example")])]),
                ])
            guard Target.isSimulator else { return }
            let acme = try await h.client.list(.companies, limit: 2, q: "ACME").value
            #expect(acme.records.count == 2)
            #expect(acme.count == 5)
            #expect(try await h.client.list(.companies, limit: 100, q: "needle").value.records.map { $0[string: "name"] } == ["Other"])
            #expect(try await h.client.list(.companies, limit: 100, q: "q-acme-3").value.count == 1)
            #expect(try await h.client.list(.companies, limit: 100, q: "nothing like it").value.count == 0)
            #expect(try await h.client.list(.companies, limit: 1).value.count == 6)
        }
    }

    @Test func aScanRowCarriesTheExternalIDAndTheSimulatorsRowsEveryField() async throws {
        try await Harness.with { h in
            let externalID = h.unique("row-fields")
            let created = try await h.client.create(
                .companies, fields: ["name": .string("Row"), "external_id": .string(externalID), "website_url": .string("https://row.example")]).value
            let rows = try await h.client.list(.companies, limit: HipcallObservations.maxPageSize, sort: HipcallObservations.scanSort).value.records
            let row = try #require(rows.first { $0.id == created.id })
            for field in HipcallObservations.listRowFields { #expect(row.fields[field] != nil, "a row lacks \(field)") }
            #expect(row.externalID == externalID)
            if Target.isSimulator {
                let lookedUp = try #require(try await h.client.record(.companies, externalID: externalID).value)
                #expect(row == lookedUp)
            }
        }
    }
}
