import Hipcall
import Testing

/// `GET /{resource}?limit=&offset=` and its `meta`.
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
}
