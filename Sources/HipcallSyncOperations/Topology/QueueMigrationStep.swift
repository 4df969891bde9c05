/// What the broker holds for one queue of the topology, as `topology migrate` sees it.
public struct QueueObservation: Sendable, Equatable {
    /// How the queue compares with what this version declares.
    public enum Found: Sendable, Equatable {
        case missing
        /// It exists with the declared settings.
        case matching
        /// It exists with other settings; the broker's 406 text names the difference.
        case mismatched(String)
    }

    /// How it compares with the declaration.
    public var found: Found
    /// Messages ready in the queue (0 when it is missing).
    public var messages: UInt32
    /// Consumers on the queue (0 when it is missing).
    public var consumers: UInt32
    /// Messages in its holding queue, `nil` when there is none.
    public var held: UInt32?

    public init(found: Found, messages: UInt32 = 0, consumers: UInt32 = 0, held: UInt32? = nil) {
        self.found = found
        self.messages = messages
        self.consumers = consumers
        self.held = held
    }
}

/// The next step of one queue's migration, decided from what the broker holds now and nothing
/// else, so that a run stopped anywhere (even by SIGKILL) resumes where it stopped: the queue's
/// messages go to a holding queue, the emptied queue is deleted and declared with the new settings,
/// and the held messages come back.
public enum QueueMigrationStep: Sendable, Equatable {
    /// The queue has the new settings and no holding queue is left.
    case done
    /// It cannot be migrated; why.
    case refuse(String)
    /// Declare the holding queue and move the queue's messages into it.
    case moveToHolder
    /// Delete the queue of the old settings (it is empty).
    case deleteOld
    /// Declare the queue with the new settings (and its bindings).
    case declare
    /// Move the held messages back into the queue.
    case moveBack
    /// Delete the (empty) holding queue.
    case deleteHolder

    /// The step for `observation` of a queue; `rebuildable` is false for a queue that must never be
    /// deleted (a work queue the CRM publishes into, the journal stream whose entries `basic.get` cannot move).
    public static func next(for observation: QueueObservation, rebuildable: Bool, why notRebuildable: String = "")
        -> QueueMigrationStep
    {
        switch observation.found {
        case .mismatched(let reason):
            if !rebuildable { return .refuse("\(reason); \(notRebuildable)") }
            if observation.consumers > 0 {
                return .refuse("\(observation.consumers) consumer\(observation.consumers == 1 ? "" : "s"): stop the workers first")
            }
            return observation.messages > 0 ? .moveToHolder : .deleteOld
        case .missing:
            return .declare
        case .matching:
            guard let held = observation.held else { return .done }
            return held > 0 ? .moveBack : .deleteHolder
        }
    }

    /// A short description for the command's table.
    public var label: String {
        switch self {
        case .done: "nothing to do"
        case .refuse(let why): "refused: \(why)"
        case .moveToHolder: "move its messages to the holding queue"
        case .deleteOld: "delete it (empty) to declare it anew"
        case .declare: "declare it"
        case .moveBack: "move the held messages back"
        case .deleteHolder: "delete the empty holding queue"
        }
    }
}
