import Hipcall
import HipcallJSON

/// What an event needs when the record's id and fingerprint are known, judged against the
/// fingerprint (by ``FieldForms``, as ``UpsertPlan`` judges a record): the scalar fields to PATCH,
/// and whether phones or emails need reconciling. A field the fingerprint does not know counts as
/// differing. Lists that differ need the record read first (the fingerprint has no spellings to DELETE).
struct FingerprintPlan: Sendable, Equatable {
    /// The PATCH body: scalar fields that differ or are unknown (a contact's `custom_fields`: only those slugs).
    var patch: [String: JSONValue]
    /// Whether `phones` or `emails` differ from, or are unknown to, the fingerprint.
    var listsDiffer: Bool

    /// Whether the record already holds the event's state: no call at all.
    var isUnchanged: Bool { patch.isEmpty && !listsDiffer }

    /// The plan for bringing the record `fingerprint` describes to `event`'s state.
    init(event: SyncEvent, fingerprint: RecordFingerprint, resolvedCompanyID: Int64?) {
        patch = [:]
        listsDiffer = false
        for (name, value) in UpsertPlan.managedFields(event: event, resolvedCompanyID: resolvedCompanyID) {
            if FieldForms.List(field: name) != nil {
                if fingerprint.match(name, form: FieldForms.form(of: name, value)) != .same { listsDiffer = true }
            } else if FieldForms.isPerSlug(name, resource: event.resource) {
                let changed = (value.objectValue ?? [:]).filter {
                    fingerprint.match(name, slug: $0.key, form: FieldForms.scalar($0.value)) != .same
                }
                if !changed.isEmpty { patch[name] = .object(changed) }
            } else if fingerprint.match(name, form: FieldForms.form(of: name, value)) != .same {
                patch[name] = value
            }
        }
    }
}
