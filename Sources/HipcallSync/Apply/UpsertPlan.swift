import Foundation
import Hipcall
import HipcallJSON

/// The API calls that bring an existing Hipcall record in line with an event's managed fields.
///
/// Comparison rules:
/// - Only fields present in the event's `data` are managed; absent ones are never touched.
/// - Text compares `""` and `null` as equal, since Hipcall stores a cleared text as either.
/// - `external_id` is compared after normalisation (trimmed; integers as strings).
/// - `custom_fields`: only the slugs sent are compared, and only those that differ are patched.
/// - Phones are compared by number (trimmed E.164 string); `order` and `country` differences alone
///   change nothing, since the sub-resources only add and delete numbers. Duplicates keep the first.
/// - Emails are compared case-insensitively: Hipcall and mail systems treat addresses that differ
///   only in case as the same mailbox, and re-adding one would only churn. Removals use the
///   spelling Hipcall stores, since that is what its DELETE path expects.
/// - `phones`/`emails` set to `null` remove every stored entry.
struct UpsertPlan: Sendable, Equatable {
    /// The PATCH body: scalar fields that differ (never `phones` or `emails`).
    var patch: [String: JSONValue]
    /// Phone objects (`country`, `number`, `order`) to POST to the phones sub-resource.
    var phonesToAdd: [JSONValue]
    /// Stored numbers to DELETE. Callers should delete before adding, to stay under Hipcall's phone cap.
    var phoneNumbersToRemove: [String]
    /// Email objects (`email`, `order`) to POST to the emails sub-resource.
    var emailsToAdd: [JSONValue]
    /// Stored addresses to DELETE.
    var emailsToRemove: [String]

    /// Whether the record already matches: no call is needed at all.
    var isUnchanged: Bool {
        patch.isEmpty && phonesToAdd.isEmpty && phoneNumbersToRemove.isEmpty && emailsToAdd.isEmpty
            && emailsToRemove.isEmpty
    }

    /// The plan for updating `existing` (the record as Hipcall returned it) to the event's state.
    /// - Parameter resolvedCompanyID: when `data` has `company_external_id`, the Hipcall id it resolved
    ///   to (nil when `company_external_id` is null, which unlinks the company).
    static func update(
        event: SyncEvent, existing: [String: JSONValue], resolvedCompanyID: Int64? = nil
    ) -> UpsertPlan {
        let desired = managedFields(event: event, resolvedCompanyID: resolvedCompanyID)
        var plan = UpsertPlan(patch: [:], phonesToAdd: [], phoneNumbersToRemove: [], emailsToAdd: [], emailsToRemove: [])
        for (name, value) in desired {
            switch name {
            case "phones":
                (plan.phonesToAdd, plan.phoneNumbersToRemove) = listChanges(
                    desired: value, existing: existing[name], member: "number", identity: phoneIdentity)
            case "emails":
                (plan.emailsToAdd, plan.emailsToRemove) = listChanges(
                    desired: value, existing: existing[name], member: "email", identity: emailIdentity)
            case "custom_fields" where event.resource == .contacts:
                let stored = existing[name]?.objectValue ?? [:]
                let changed = (value.objectValue ?? [:]).filter { !sameScalar($0.value, stored[$0.key] ?? .null) }
                if !changed.isEmpty { plan.patch[name] = .object(changed) }
            case "external_id":
                if normalisedExternalID(existing[name]) != value.stringValue { plan.patch[name] = value }
            default:
                if !sameScalar(value, existing[name] ?? .null) { plan.patch[name] = value }
            }
        }
        return plan
    }

    /// The POST body creating the record: every managed field, `external_id` set, `company_external_id`
    /// replaced by `company_id`, and null `phones`/`emails` left out.
    /// Throws a permanent failure when the field Hipcall requires on create is missing.
    static func createBody(event: SyncEvent, resolvedCompanyID: Int64? = nil) throws(SyncFailure) -> [String: JSONValue] {
        var body = managedFields(event: event, resolvedCompanyID: resolvedCompanyID)
        for list in ["phones", "emails"] where body[list] == .null {
            body.removeValue(forKey: list)
        }
        let required = event.resource == .companies ? "name" : "first_name"
        guard body[required]?.stringValue != nil else {
            throw .permanent(reason: "\(required) is required to create a \(event.resource == .companies ? "company" : "contact")", status: nil)
        }
        return body
    }

    /// The event's data as Hipcall fields: `external_id` from the event, `company_external_id` resolved.
    static func managedFields(event: SyncEvent, resolvedCompanyID: Int64?) -> [String: JSONValue] {
        var fields = event.data
        fields["external_id"] = .string(event.externalID)
        if event.resource == .contacts, fields.removeValue(forKey: "company_external_id") != nil {
            fields["company_id"] = resolvedCompanyID.map(JSONValue.int) ?? .null
        }
        return fields
    }

    /// Scalar equality where `""` equals `null`.
    private static func sameScalar(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func cleared(_ value: JSONValue) -> JSONValue { value == .string("") ? .null : value }
        return cleared(a) == cleared(b)
    }

    private static func normalisedExternalID(_ value: JSONValue?) -> String? {
        guard let value, value != .null else { return nil }
        return try? ExternalID.normalise(value, field: "external_id")
    }

    private static func phoneIdentity(_ number: String) -> String {
        number.trimmingCharacters(in: .whitespaces)
    }

    private static func emailIdentity(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Items of `desired` whose identity is not stored, and stored `member` strings not desired.
    private static func listChanges(
        desired: JSONValue, existing: JSONValue?, member: String, identity: (String) -> String
    ) -> (add: [JSONValue], remove: [String]) {
        let stored = (existing?.arrayValue ?? []).compactMap { $0.objectValue?[member]?.stringValue }
        let storedIdentities = Set(stored.map(identity))
        var wanted = Set<String>()
        var add: [JSONValue] = []
        for item in desired.arrayValue ?? [] {
            guard let value = item.objectValue?[member]?.stringValue else { continue }
            let id = identity(value)
            guard wanted.insert(id).inserted else { continue }
            if !storedIdentities.contains(id) { add.append(item) }
        }
        var removed = Set<String>()
        let remove = stored.filter { !wanted.contains(identity($0)) && removed.insert(identity($0)).inserted }
        return (add, remove)
    }
}
