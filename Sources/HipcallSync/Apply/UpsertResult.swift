/// What applying one event did to Hipcall.
struct UpsertResult: Sendable, Equatable {
    /// The kind of change.
    enum Action: String, Sendable {
        case created
        case updated
        case unchanged
    }

    var action: Action
    /// The Hipcall id of the record.
    var hipcallID: Int64
    /// Whether the worker learned the id from this event's create or lookup (so the CRM may not know it yet).
    var learnedID: Bool
    /// The record's managed fields as the apply left them (journaled for the fleet); nil when unknown.
    var fingerprint: RecordFingerprint?
}
