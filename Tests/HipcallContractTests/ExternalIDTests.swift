@testable import Hipcall
import Testing

/// The guide's `external_id` rules: normalisation, uniqueness, namespaces, the 255 limit.
@Suite struct ExternalIDTests {
    @Test func surroundingWhitespaceIsTrimmed() async throws {
        try await Harness.with { h in
            let externalID = h.unique("ERP-trim")
            let created = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string("  \(externalID)\t ")]).value
            #expect(created.externalID == externalID)
            #expect(try await h.client.record(.companies, externalID: externalID).value?.id == created.id)
        }
    }

    @Test(arguments: ["", "   "])
    func anEmptyExternalIDIsStoredAsNull(value: String) async throws {
        try await Harness.with { h in
            let first = try await h.client.create(.companies, fields: ["name": "A", "external_id": .string(value)]).value
            #expect(first.fields["external_id"] == .null)
            // null is not a value, so it is never "already taken".
            let second = try await h.client.create(.companies, fields: ["name": "B", "external_id": .string(value)]).value
            #expect(second.fields["external_id"] == .null)
            #expect(second.id != first.id)
        }
    }

    @Test func anIntegerIsStoredAsItsString() async throws {
        try await Harness.with { h in
            // A run-unique integer, so a shared real account never has it already.
            let number = Target.isReal ? Int64.random(in: 1_000_000_000...9_000_000_000) : 9876
            let created = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .int(number)]).value
            #expect(created.fields["external_id"] == .string(String(number)))
            #expect(try await h.client.record(.companies, externalID: String(number)).value?.id == created.id)
        }
    }

    @Test func twoHundredFiftyFiveCharactersAreAccepted() async throws {
        try await Harness.with { h in
            let prefix = h.unique("L")
            let externalID = prefix + String(repeating: "x", count: 255 - prefix.count)
            #expect(externalID.count == 255)
            let created = try await h.client.create(.contacts, fields: ["first_name": "Ada", "external_id": .string(externalID)]).value
            #expect(created.externalID == externalID)
            #expect(try await h.client.record(.contacts, externalID: externalID).value?.id == created.id)
        }
    }

    @Test func twoHundredFiftySixCharactersAreA422() async throws {
        try await Harness.with { h in
            let externalID = String(repeating: "y", count: 256)
            let error = try await expectHipcallError {
                try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(externalID)])
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors["external_id"]?.isEmpty == false)
            #expect(!error.isExternalIDTaken)
            #expect(try await h.client.record(.companies, externalID: externalID).value == nil)
        }
    }

    @Test func aTakenExternalIDOnCreateIsTheGuides422() async throws {
        try await Harness.with { h in
            let externalID = h.unique("dup")
            _ = try await h.client.create(.companies, fields: ["name": "First", "external_id": .string(externalID)])
            let error = try await expectHipcallError {
                try await h.client.create(.companies, fields: ["name": "Second", "external_id": .string(externalID)])
            }
            #expect(error.status == 422)
            #expect(error.fieldErrors == ["external_id": ["has already been taken"]])
            #expect(error.isExternalIDTaken)
            #expect(!error.isRetryable)
            #expect(error.rateLimit != nil)
            #expect(error.route == HipcallRoute(method: "POST", template: "/companies"))
            #expect(!error.description.contains("\n"))
            #expect(error.description.contains("POST /companies") && error.description.contains("422"))
            #expect(error.description.contains("external_id has already been taken"))
        }
    }

    @Test func aTakenExternalIDOnPatchIsTheGuides422() async throws {
        try await Harness.with { h in
            let taken = h.unique("taken")
            _ = try await h.client.create(.contacts, fields: ["first_name": "A", "external_id": .string(taken)])
            let other = try await h.client.create(.contacts, fields: ["first_name": "B", "external_id": .string(h.unique("free"))]).value
            let error = try await expectHipcallError {
                try await h.client.update(.contacts, id: other.id, fields: ["external_id": .string(taken)])
            }
            #expect(error.fieldErrors == ["external_id": ["has already been taken"]])
            #expect(error.isExternalIDTaken)
            #expect(try await h.client.record(.contacts, id: other.id).value.externalID == other.externalID)
        }
    }

    @Test func companyAndContactNamespacesAreIndependent() async throws {
        try await Harness.with { h in
            let externalID = h.unique("shared-123")
            let company = try await h.client.create(.companies, fields: ["name": "Acme", "external_id": .string(externalID)]).value
            let contact = try await h.client.create(.contacts, fields: ["first_name": "Ada", "external_id": .string(externalID)]).value
            #expect(try await h.client.record(.companies, externalID: externalID).value?.id == company.id)
            #expect(try await h.client.record(.contacts, externalID: externalID).value?.id == contact.id)
        }
    }

    @Test(.enabled(if: Target.isSimulator, "needs two accounts"))
    func accountsAreIsolated() async throws {
        try await Harness.with { h in try await h.withOtherClient { other in
            let mine = try await h.client.create(.companies, fields: ["name": "Mine", "external_id": "123"]).value
            #expect(try await other.record(.companies, externalID: "123").value == nil)
            let theirs = try await other.create(.companies, fields: ["name": "Theirs", "external_id": "123"]).value
            #expect(theirs.id != mine.id)
            #expect(try await h.client.record(.companies, externalID: "123").value?.id == mine.id)
            #expect(try await other.record(.companies, externalID: "123").value?.id == theirs.id)
            let error = try await expectHipcallError { try await other.record(.companies, id: mine.id) }
            #expect(error.isNotFound)
            let patch = try await expectHipcallError { try await other.update(.companies, id: mine.id, fields: ["name": "stolen"]) }
            #expect(patch.isNotFound)
        } }
    }
}
