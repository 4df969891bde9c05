import Foundation
import Hipcall
import HipcallJSON
import TestSupport
import Testing
@testable import HipcallSync

private func phone(_ number: String, _ country: String = "GB", order: Int64 = 0) -> JSONValue {
    .object(["country": .string(country), "number": .string(number), "order": .int(order)])
}

private func email(_ address: String) -> JSONValue {
    .object(["email": .string(address), "order": .int(0)])
}

/// A contact as Hipcall would answer it.
private let record = HipcallRecord(
    id: 42,
    fields: [
        "first_name": .string("Ada"), "last_name": .string("Lovelace"), "external_id": .string("CRM-1"),
        "company_id": .int(7), "job_title": .null, "custom_url": .string(""),
        "custom_fields": .object(["tier": .string("gold"), "score": .int(3)]),
        "phones": .array([phone("+442045205757"), phone("+442000000000", order: 1)]),
        "emails": .array([email("Ada@Example.com")]),
    ])

private let fingerprint = RecordFingerprint(record: record, resource: .contacts, observedAt: Date(timeIntervalSince1970: 100))

private func plan(_ data: [String: JSONValue], companyID: Int64? = nil, against print: RecordFingerprint = fingerprint) -> FingerprintPlan {
    FingerprintPlan(
        event: makeEvent(.contacts, id: "e", externalID: "CRM-1", at: 1, data: data), fingerprint: print, resolvedCompanyID: companyID)
}

@Suite struct FingerprintPlanTests {
    @Test func theRecordsOwnStateIsUnchanged() {
        let same = plan([
            "first_name": .string("Ada"), "last_name": .string("Lovelace"), "job_title": .null,
            "custom_fields": .object(["tier": .string("gold")]),
            "phones": .array([phone("+442045205757"), phone("+442000000000", order: 1)]),
            "emails": .array([email("Ada@Example.com")]),
        ])
        #expect(same.isUnchanged)
        #expect(same == FingerprintPlan(event: makeEvent(.contacts, id: "e", externalID: "CRM-1", at: 1, data: [:]), fingerprint: fingerprint, resolvedCompanyID: nil))
    }

    @Test func oneChangedScalarIsTheWholePatch() {
        let changed = plan(["first_name": .string("Ada"), "last_name": .string("King"), "job_title": .null])
        #expect(changed.patch == ["last_name": .string("King")])
        #expect(!changed.listsDiffer)
    }

    @Test func aFieldTheFingerprintNeverSawIsSent() {
        let unknown = plan(["first_name": .string("Ada"), "linkedin_url": .null])
        #expect(unknown.patch == ["linkedin_url": .null])
        let partial = RecordFingerprint(
            fields: ["first_name": .string("Ada"), "external_id": .string("CRM-1")], resource: .contacts, observedAt: .now)
        let lists = plan(["first_name": .string("Ada"), "phones": .array([])], against: partial)
        #expect(lists.patch.isEmpty)
        #expect(lists.listsDiffer)
    }

    @Test func phoneOrderAndCountryAndEmailCaseChangeNothing() {
        let reordered = plan([
            "phones": .array([phone("+442000000000", "US", order: 0), phone(" +442045205757", order: 1), phone("+442000000000")]),
            "emails": .array([email(" ada@example.COM")]),
        ])
        #expect(reordered.isUnchanged)
        #expect(plan(["phones": .array([phone("+442045205757")])]).listsDiffer)
        #expect(plan(["emails": .array([email("ada@example.org")])]).listsDiffer)
        #expect(plan(["emails": .null]).listsDiffer)
    }

    @Test func customFieldsCompareSlugBySlug() {
        let changed = plan(["custom_fields": .object(["tier": .string("gold"), "score": .int(4), "new": .string("x")])])
        #expect(changed.patch == ["custom_fields": .object(["score": .int(4), "new": .string("x")])])
        #expect(plan(["custom_fields": .object(["score": .int(3)])]).isUnchanged)
        // Companies' custom_fields are one scalar, as UpsertPlan compares them.
        let company = RecordFingerprint(
            fields: ["custom_fields": .object(["tier": .string("gold"), "score": .int(3)])], resource: .companies, observedAt: .now)
        let companyPlan = FingerprintPlan(
            event: makeEvent(id: "e", at: 1, data: ["custom_fields": .object(["tier": .string("gold")])]), fingerprint: company,
            resolvedCompanyID: nil)
        #expect(companyPlan.patch.keys.sorted() == ["custom_fields", "external_id"])
    }

    @Test func emptyTextEqualsNullAndExternalIDIsNormalised() {
        #expect(plan(["custom_url": .null, "job_title": .string("")]).isUnchanged)
        #expect(plan(["custom_url": .string("x")]).patch == ["custom_url": .string("x")])
        let spaced = RecordFingerprint(
            fields: ["external_id": .string("  CRM-1 "), "first_name": .string("Ada")], resource: .contacts, observedAt: .now)
        #expect(plan(["first_name": .string("Ada")], against: spaced).isUnchanged)
        let integer = RecordFingerprint(fields: ["external_id": .int(9876)], resource: .contacts, observedAt: .now)
        let byInteger = FingerprintPlan(
            event: makeEvent(.contacts, id: "e", externalID: "9876", at: 1, data: [:]), fingerprint: integer, resolvedCompanyID: nil)
        #expect(byInteger.isUnchanged)
    }

    @Test func theCompanyIsComparedAsTheResolvedID() {
        #expect(plan(["company_external_id": .string("ACME")], companyID: 7).isUnchanged)
        #expect(plan(["company_external_id": .string("ACME")], companyID: 8).patch == ["company_id": .int(8)])
        #expect(plan(["company_external_id": .null], companyID: nil).patch == ["company_id": .null])
    }

    /// The fingerprint and UpsertPlan apply one set of rules: wherever the plan against the record
    /// finds nothing to do, the plan against its fingerprint does not either, and the reverse.
    @Test func agreesWithThePlanAgainstTheRecord() {
        let events: [[String: JSONValue]] = [
            ["first_name": .string("Ada")], ["first_name": .string("ada")], ["job_title": .string("")], ["job_title": .string("CTO")],
            ["custom_fields": .object(["tier": .string("gold")])], ["custom_fields": .object(["tier": .null])],
            ["phones": .array([phone("+442000000000"), phone("+442045205757")])], ["phones": .null],
            ["emails": .array([email("ADA@example.com")])], ["emails": .array([email("ada@example.com"), email("b@example.com")])],
            ["company_external_id": .string("ACME")], ["last_name": .int(1)],
        ]
        for data in events {
            let event = makeEvent(.contacts, id: "e", externalID: "CRM-1", at: 1, data: data)
            let byRecord = UpsertPlan.update(event: event, existing: record.fields, resolvedCompanyID: 7)
            let byFingerprint = FingerprintPlan(event: event, fingerprint: fingerprint, resolvedCompanyID: 7)
            #expect(byRecord.isUnchanged == byFingerprint.isUnchanged, "\(data)")
            #expect(byRecord.patch == byFingerprint.patch, "\(data)")
        }
    }
}
