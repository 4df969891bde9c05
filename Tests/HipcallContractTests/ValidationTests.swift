import Hipcall
import HipcallJSON
import Testing

/// Required fields, PATCH's scalar-only rule and company references.
@Suite struct ValidationTests {
    @Test func aContactWithoutFirstNameIsA422() async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.create(.contacts, fields: ["last_name": "Lovelace"]) }
            #expect(error.status == 422)
            #expect(error.fieldErrors == ["first_name": ["Missing field: first_name"]])
        }
    }

    @Test func aContactWithAnEmptyFirstNameIsA422() async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.create(.contacts, fields: ["first_name": ""]) }
            #expect(error.status == 422)
            #expect(error.fieldErrors["first_name"]?.isEmpty == false)
        }
    }

    @Test func aCompanyWithoutNameIsA422() async throws {
        try await Harness.with { h in
            let externalID = h.unique("nameless")
            let error = try await expectHipcallError { try await h.client.create(.companies, fields: ["external_id": .string(externalID)]) }
            #expect(error.status == 422)
            #expect(error.fieldErrors["name"]?.isEmpty == false)
            #expect(try await h.client.record(.companies, externalID: externalID).value == nil)
        }
    }

    @Test(arguments: ["phones", "emails"])
    func patchWithPhonesOrEmailsIsUnexpectedField(field: String) async throws {
        try await Harness.with { h in
            let created = try await h.client.create(.contacts, fields: ["first_name": "Ada", "external_id": .string(h.unique("p"))]).value
            let item: JSONValue = field == "phones" ? ["country": "GB", "number": "+442045205757"] : ["email": "a@example.com"]
            let error = try await expectHipcallError {
                try await h.client.update(.contacts, id: created.id, fields: [field: [item], "job_title": "ignored"])
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors[field] == ["Unexpected field: \(field)"])
            // Nothing of the rejected PATCH was applied.
            let reread = try await h.client.record(.contacts, id: created.id).value
            #expect(reread.fields["job_title"] == nil || reread.fields["job_title"] == .null)
            #expect(reread.phones.isEmpty && reread.emails.isEmpty)
        }
    }

    @Test func aContactsCompanyIDMustExist() async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError {
                try await h.client.create(.contacts, fields: ["first_name": "Ada", "company_id": .int(9_000_000_000_002)])
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors["company_id"]?.isEmpty == false)
        }
    }

    @Test(.enabled(if: Target.isSimulator, "needs two accounts"))
    func aContactsCompanyIDMustBelongToTheSameAccount() async throws {
        try await Harness.with { h in try await h.withOtherClient { other in
            let theirs = try await other.create(.companies, fields: ["name": "Theirs"]).value
            let error = try await expectHipcallError {
                try await h.client.create(.contacts, fields: ["first_name": "Ada", "company_id": .int(theirs.id)])
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors["company_id"]?.isEmpty == false)
            let mine = try await h.client.create(.contacts, fields: ["first_name": "Ada"]).value
            let patch = try await expectHipcallError { try await h.client.update(.contacts, id: mine.id, fields: ["company_id": .int(theirs.id)]) }
            #expect(patch.fieldErrors["company_id"]?.isEmpty == false)
        } }
    }
}
