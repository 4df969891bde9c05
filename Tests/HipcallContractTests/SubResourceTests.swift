import Hipcall
import HipcallJSON
import Testing

/// The phones and emails sub-resources.
@Suite struct SubResourceTests {
    @Test(arguments: HipcallResource.allCases)
    func addAndRemoveAPhone(resource: HipcallResource) async throws {
        try await Harness.with { h in
            let record = try await create(resource, h)
            let phone = HipcallPhone(country: "GB", number: "+442045205757")
            _ = try await h.client.addPhone(resource, id: record.id, phone: phone)
            var reread = try await h.client.record(resource, id: record.id).value
            #expect(reread.phones.map(\.number) == ["+442045205757"])
            #expect(reread.phones.first?.country == "GB")

            _ = try await h.client.removePhone(resource, id: record.id, number: "+442045205757")
            reread = try await h.client.record(resource, id: record.id).value
            #expect(reread.phones.isEmpty)
        }
    }

    @Test(arguments: HipcallResource.allCases)
    func addAndRemoveAnEmail(resource: HipcallResource) async throws {
        try await Harness.with { h in
            let record = try await create(resource, h)
            _ = try await h.client.addEmail(resource, id: record.id, email: HipcallEmail(email: "ada+crm@example.com"))
            var reread = try await h.client.record(resource, id: record.id).value
            #expect(reread.emails.map(\.email) == ["ada+crm@example.com"])

            _ = try await h.client.removeEmail(resource, id: record.id, email: "ada+crm@example.com")
            reread = try await h.client.record(resource, id: record.id).value
            #expect(reread.emails.isEmpty)
        }
    }

    @Test func addingAPhoneTheRecordHasIsA422() async throws {
        try await Harness.with { h in
            let record = try await create(.contacts, h)
            let phone = HipcallPhone(country: "GB", number: "+442045205758")
            _ = try await h.client.addPhone(.contacts, id: record.id, phone: phone)
            let error = try await expectHipcallError { try await h.client.addPhone(.contacts, id: record.id, phone: phone) }
            #expect(error.status == 422)
            #expect(error.fieldErrors["phones"]?.isEmpty == false)
            #expect(try await h.client.record(.contacts, id: record.id).value.phones.count == 1)
        }
    }

    @Test func aContactHoldsAtMostSixPhones() async throws {
        try await Harness.with { h in
            let record = try await create(.contacts, h)
            for index in 1...6 {
                _ = try await h.client.addPhone(.contacts, id: record.id, phone: HipcallPhone(country: "GB", number: "+44204520570\(index)"))
            }
            let error = try await expectHipcallError {
                try await h.client.addPhone(.contacts, id: record.id, phone: HipcallPhone(country: "GB", number: "+442045205707"))
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors["phones"]?.isEmpty == false)
            #expect(try await h.client.record(.contacts, id: record.id).value.phones.count == 6)
        }
    }

    @Test func removingAPhoneTheRecordLacksIsA404() async throws {
        try await Harness.with { h in
            let record = try await create(.companies, h)
            let error = try await expectHipcallError { try await h.client.removePhone(.companies, id: record.id, number: "+15550000000") }
            #expect(error.isNotFound)
        }
    }

    private func create(_ resource: HipcallResource, _ h: Harness) async throws -> HipcallRecord {
        let fields: [String: JSONValue] = resource == .companies ? ["name": "Acme"] : ["first_name": "Ada"]
        return try await h.client.create(resource, fields: fields.merging(["external_id": .string(h.unique("sub"))]) { $1 }).value
    }
}
