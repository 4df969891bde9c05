import Hipcall
import HipcallJSON
import TestSupport
import Testing
@testable import HipcallSync

private func phone(_ number: String, _ country: String = "GB", order: Int64 = 0) -> JSONValue {
    .object(["country": .string(country), "number": .string(number), "order": .int(order)])
}

private func email(_ address: String, order: Int64 = 0) -> JSONValue {
    .object(["email": .string(address), "order": .int(order)])
}

private let stored: [String: JSONValue] = [
    "id": .int(42),
    "name": .string("Acme"),
    "external_id": .string("ERP-1"),
    "website_url": .string("https://acme.example"),
    "description": .string(""),
    "linkedin_url": .null,
    "assign_to_user_id": .int(7),
    "phones": .array([phone("+442045205757"), phone("+442000000000", order: 1)]),
    "emails": .array([email("Info@Acme.example")]),
]

@Suite struct UpsertPlanTests {
    @Test func identicalStateIsUnchanged() {
        let data: [String: JSONValue] = [
            "name": .string("Acme"), "website_url": .string("https://acme.example"), "assign_to_user_id": .int(7),
            "phones": .array([phone("+442000000000", order: 0), phone("+442045205757", order: 1)]),
            "emails": .array([email("info@acme.example")]),
        ]
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: data), existing: stored)
        #expect(plan.isUnchanged)
        #expect(plan.patch.isEmpty)
    }

    @Test func onlyDifferingScalarsArePatched() {
        let data: [String: JSONValue] = ["name": .string("Acme Ltd"), "website_url": .string("https://acme.example")]
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: data), existing: stored)
        #expect(plan.patch == ["name": .string("Acme Ltd")])
        #expect(!plan.isUnchanged)
    }

    @Test func nullClearsAndEmptyStringEqualsNull() {
        let data: [String: JSONValue] = [
            "website_url": .null, "description": .null, "linkedin_url": .string(""), "assign_to_user_id": .null,
        ]
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: data), existing: stored)
        #expect(plan.patch == ["website_url": .null, "assign_to_user_id": .null])
    }

    @Test func absentFieldsAreLeftAlone() {
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: [:]), existing: stored)
        #expect(plan.isUnchanged)
    }

    @Test func phonesAndEmailsNeverGoInThePatch() {
        let data: [String: JSONValue] = ["phones": .array([phone("+15550000000", "US")]), "emails": .array([])]
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: data), existing: stored)
        #expect(plan.patch.isEmpty)
        #expect(plan.phonesToAdd == [phone("+15550000000", "US")])
        #expect(plan.phoneNumbersToRemove == ["+442045205757", "+442000000000"])
        #expect(plan.emailsToRemove == ["Info@Acme.example"])
        #expect(plan.emailsToAdd.isEmpty)
    }

    @Test func nullListsRemoveEverythingAndDuplicatesAreAddedOnce() {
        let data: [String: JSONValue] = [
            "phones": .null, "emails": .array([email("a@b.example"), email("A@B.example", order: 1)]),
        ]
        let plan = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: data), existing: stored)
        #expect(plan.phoneNumbersToRemove.count == 2)
        #expect(plan.phonesToAdd.isEmpty)
        #expect(plan.emailsToAdd == [email("a@b.example")])
    }

    @Test func externalIDIsComparedNormalisedAndSetOnReKey() {
        var existing = stored
        existing["external_id"] = .string(" ERP-1 ")
        let same = UpsertPlan.update(event: makeEvent(id: "e", at: 1, data: [:]), existing: existing)
        #expect(same.isUnchanged)
        existing["external_id"] = .int(9876)
        let numeric = UpsertPlan.update(event: makeEvent(id: "e", externalID: "9876", at: 1, data: [:]), existing: existing)
        #expect(numeric.isUnchanged)
        let rekey = UpsertPlan.update(
            event: makeEvent(id: "e", externalID: "ERP-2", at: 1, previous: "ERP-1", data: [:]), existing: stored)
        #expect(rekey.patch == ["external_id": .string("ERP-2")])
    }

    @Test func onlyDifferingCustomFieldSlugsArePatched() {
        let existing: [String: JSONValue] = [
            "first_name": .string("Ada"), "external_id": .string("ERP-1"),
            "custom_fields": .object(["tier": .string("gold"), "score": .int(3), "note": .string("")]),
        ]
        let data: [String: JSONValue] = [
            "custom_fields": .object(["tier": .string("gold"), "score": .int(4), "note": .null, "new": .bool(true)]),
        ]
        let plan = UpsertPlan.update(event: makeEvent(.contacts, id: "e", at: 1, data: data), existing: existing)
        #expect(plan.patch == ["custom_fields": .object(["score": .int(4), "new": .bool(true)])])
        let same = UpsertPlan.update(
            event: makeEvent(.contacts, id: "e", at: 1, data: ["custom_fields": .object(["tier": .string("gold")])]),
            existing: existing)
        #expect(same.isUnchanged)
    }

    @Test func companyExternalIDIsReplacedByTheResolvedCompanyID() {
        let existing: [String: JSONValue] = ["external_id": .string("ERP-1"), "company_id": .int(5)]
        let link = makeEvent(.contacts, id: "e", at: 1, data: ["company_external_id": .string("C-9")])
        #expect(UpsertPlan.update(event: link, existing: existing, resolvedCompanyID: 9).patch == ["company_id": .int(9)])
        #expect(UpsertPlan.update(event: link, existing: existing, resolvedCompanyID: 5).isUnchanged)
        let unlink = makeEvent(.contacts, id: "e", at: 1, data: ["company_external_id": .null])
        #expect(UpsertPlan.update(event: unlink, existing: existing).patch == ["company_id": .null])
    }

    @Test func createBodyCarriesEverythingWithExternalIDAndCompanyID() throws {
        let data: [String: JSONValue] = [
            "first_name": .string("Ada"), "company_external_id": .string("C-9"), "phones": .array([phone("+44")]),
            "emails": .null, "job_title": .null,
        ]
        let body = try UpsertPlan.createBody(event: makeEvent(.contacts, id: "e", at: 1, data: data), resolvedCompanyID: 9)
        #expect(body == [
            "first_name": .string("Ada"), "external_id": .string("ERP-1"), "company_id": .int(9),
            "phones": .array([phone("+44")]), "job_title": .null,
        ])
    }

    @Test func createWithoutTheRequiredNameIsAPermanentFailure() {
        #expect(throws: SyncFailure.self) {
            try UpsertPlan.createBody(event: makeEvent(.contacts, id: "e", at: 1, data: ["last_name": .string("L")]))
        }
        #expect(throws: SyncFailure.self) {
            try UpsertPlan.createBody(event: makeEvent(.companies, id: "e", at: 1, data: [:]))
        }
    }
}
