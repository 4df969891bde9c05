/// What applying one event did to Hipcall.
public struct UpsertResult: Sendable, Equatable {
    /// The kind of change.
    public enum Action: String, Sendable {
        case created
        case updated
        case unchanged
    }

    public var action: Action
    /// The Hipcall id of the record.
    public var hipcallID: Int64
    /// Whether the worker learned the id from this event's create or lookup (so the CRM may not know it yet).
    public var learnedID: Bool
}
