@testable import Hipcall
import HipcallJSON
import Testing

/// Create, look up, read and PATCH companies and contacts (the guide's sync flow).
@Suite struct RecordLifecycleTests {
    @Test func createThenLookUpAndGetACompany() async throws {
        try await Harness.with { h in
            let externalID = h.unique("ERP-9876")
            let created = try await h.client.create(.companies, fields: [
                "name": "Acme Corp", "external_id": .string(externalID), "website_url": "https://acme.example.com",
                "custom_url": "https://crm.example.com/companies/9876",
                "emails": [["email": "info@acme.example.com", "order": 0]],
                "phones": [["country": "GB", "number": "+442045205757", "order": 0]],
            ])
            #expect(created.status == 201 || created.status == 200)
            #expect(created.value.externalID == externalID)
            #expect(created.value[string: "name"] == "Acme Corp")
            #expect(created.value.phones == [HipcallPhone(country: "GB", number: "+442045205757", order: 0)])
            #expect(created.value.emails == [HipcallEmail(email: "info@acme.example.com", order: 0)])

            let found = try #require(try await h.client.record(.companies, externalID: externalID).value)
            #expect(found.id == created.value.id)
            #expect(found.fields == created.value.fields)
            let byID = try await h.client.record(.companies, id: created.value.id)
            #expect(byID.value == created.value)
        }
    }

    @Test func lookupOfAnUnknownExternalIDIsNilWithRateLimit() async throws {
        try await Harness.with { h in
            let answer = try await h.client.record(.companies, externalID: h.unique("never-created"))
            #expect(answer.value == nil)
            #expect(answer.status == 404)
            #expect(answer.rateLimit != nil)
        }
    }

    @Test func getByUnknownIDIsA404WithTheGuidesBody() async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.record(.contacts, id: 9_000_000_000_000) }
            #expect(error.status == 404)
            #expect(error.isNotFound)
            #expect(error.detail == "Not Found")
            #expect(!error.isRetryable)
        }
    }

    @Test func patchSendsOnlyTheGivenFields() async throws {
        try await Harness.with { h in
            let created = try await h.client.create(.companies, fields: [
                "name": "Acme", "external_id": .string(h.unique("patch-1")), "website_url": "https://old.example.com",
                "description": "keep me",
            ]).value
            let updated = try await h.client.update(.companies, id: created.id, fields: ["website_url": "https://new.example.com"]).value
            #expect(updated[string: "website_url"] == "https://new.example.com")
            #expect(updated[string: "description"] == "keep me")
            #expect(updated[string: "name"] == "Acme")
            #expect(updated.externalID == created.externalID)
        }
    }

    @Test(arguments: [JSONValue.null, .string("")])
    func patchNullOrEmptyClearsAField(clear: JSONValue) async throws {
        try await Harness.with { h in
            let created = try await h.client.create(.contacts, fields: [
                "first_name": "Ada", "last_name": "Lovelace", "job_title": "Engineer", "external_id": .string(h.unique("clear")),
            ]).value
            let updated = try await h.client.update(.contacts, id: created.id, fields: ["job_title": clear]).value
            #expect(updated.fields["job_title"] == nil || updated.fields["job_title"] == .null)
            #expect(updated[string: "last_name"] == "Lovelace")
            let reread = try await h.client.record(.contacts, id: created.id).value
            #expect(reread.fields["job_title"] == nil || reread.fields["job_title"] == .null)
        }
    }

    @Test func patchCanReKeyAndClearTheExternalID() async throws {
        try await Harness.with { h in
            let first = h.unique("ERP-1")
            let second = h.unique("ERP-2")
            let created = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(first)]).value

            let rekeyed = try await h.client.update(.companies, id: created.id, fields: ["external_id": .string(second)]).value
            #expect(rekeyed.externalID == second)
            #expect(try await h.client.record(.companies, externalID: first).value == nil)
            #expect(try await h.client.record(.companies, externalID: second).value?.id == created.id)

            let cleared = try await h.client.update(.companies, id: created.id, fields: ["external_id": .null]).value
            #expect(cleared.fields["external_id"] == .null)
            #expect(try await h.client.record(.companies, externalID: second).value == nil)
            // The freed value can identify a new company.
            let reused = try await h.client.create(.companies, fields: ["name": "Other", "external_id": .string(second)]).value
            #expect(reused.id != created.id)
        }
    }

    @Test func patchToItsOwnExternalIDIsAccepted() async throws {
        try await Harness.with { h in
            let externalID = h.unique("same")
            let created = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(externalID)]).value
            let updated = try await h.client.update(.companies, id: created.id, fields: ["external_id": .string(externalID), "name": "Acme 2"]).value
            #expect(updated.externalID == externalID)
            #expect(updated[string: "name"] == "Acme 2")
        }
    }

    @Test func patchOfAnUnknownIDIs404() async throws {
        try await Harness.with { h in
            let error = try await expectHipcallError { try await h.client.update(.companies, id: 9_000_000_000_001, fields: ["name": "x"]) }
            #expect(error.isNotFound)
        }
    }

    @Test func contactLinksToACompanyAndNullUnlinks() async throws {
        try await Harness.with { h in
            let company = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(h.unique("co"))]).value
            let contact = try await h.client.create(.contacts, fields: [
                "first_name": "Ada", "company_id": .int(company.id), "external_id": .string(h.unique("ct")),
            ]).value
            #expect(contact.fields["company_id"] == .int(company.id))
            let unlinked = try await h.client.update(.contacts, id: contact.id, fields: ["company_id": .null]).value
            #expect(unlinked.fields["company_id"] == .null)
        }
    }
}
