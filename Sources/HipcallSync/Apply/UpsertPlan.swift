import Foundation
import Hipcall
import HipcallJSON

/// The API calls that bring an existing Hipcall record in line with an event's managed fields.
///
/// Comparison rules (``FieldForms`` holds them, shared with ``RecordFingerprint``):
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
            if let list = FieldForms.List(field: name) {
                let (add, remove) = listChanges(desired: value, existing: existing[name], list: list)
                switch list {
                case .phones: (plan.phonesToAdd, plan.phoneNumbersToRemove) = (add, remove)
                case .emails: (plan.emailsToAdd, plan.emailsToRemove) = (add, remove)
                }
            } else if FieldForms.isPerSlug(name, resource: event.resource) {
                let stored = existing[name]?.objectValue ?? [:]
                let changed = (value.objectValue ?? [:]).filter { FieldForms.scalar($0.value) != FieldForms.scalar(stored[$0.key]) }
                if !changed.isEmpty { plan.patch[name] = .object(changed) }
            } else if FieldForms.form(of: name, value) != FieldForms.form(of: name, existing[name]) {
                plan.patch[name] = value
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

    /// Items of `desired` whose identity is not stored, and stored spellings not desired.
    private static func listChanges(
        desired: JSONValue, existing: JSONValue?, list: FieldForms.List
    ) -> (add: [JSONValue], remove: [String]) {
        let stored = list.spellings(existing)
        let storedIdentities = Set(stored.map(list.identity))
        var wanted = Set<String>()
        var add: [JSONValue] = []
        for item in desired.arrayValue ?? [] {
            guard let value = item.objectValue?[list.member]?.stringValue else { continue }
            let id = list.identity(value)
            guard wanted.insert(id).inserted else { continue }
            if !storedIdentities.contains(id) { add.append(item) }
        }
        var removed = Set<String>()
        let remove = stored.filter { !wanted.contains(list.identity($0)) && removed.insert(list.identity($0)).inserted }
        return (add, remove)
    }
}
