import AMQPClient
import HipcallJSON

/// Appends applied changes to the journal stream, many to a message: while one batch waits for
/// the broker's confirm, the entries appended meanwhile queue up and go out together in the next
/// (group commit). A quiet worker sends each entry at once; a busy one sends a message per confirm
/// round trip instead of one per entry, which the broker and every worker following the journal
/// would otherwise each handle. No background task: the caller whose entry starts a batch publishes
/// it, then hands the turn to the first caller still waiting.
actor JournalAppender {
    /// What a waiting caller learns: its batch was confirmed, failed, or it publishes the next one.
    private enum Turn {
        case confirmed
        case failed(any Error)
        case publishNext
    }

    /// The most entries one message carries (about 100 bytes each).
    static let maxBatch = 1_000

    private let publisher: ReliablePublisher
    private let stream: String
    private var waiting: [(row: JSONValue, turn: CheckedContinuation<Turn, Never>)] = []
    private var publishing = false

    init(publisher: ReliablePublisher, stream: String) {
        self.publisher = publisher
        self.stream = stream
    }

    /// Returns once `entry` is in the journal (confirmed by the broker); throws when its batch
    /// could not be published.
    func append(_ entry: JournalEntry) async throws {
        try await append(row: entry.row)
    }

    /// Returns once `event`'s announcement (see ``HeldEvent``) is in the journal.
    func announce(_ event: HeldEvent) async throws {
        try await append(row: event.row)
    }

    private func append(row: JSONValue) async throws {
        if publishing {
            switch await withCheckedContinuation({ waiting.append((row, $0)) }) {
            case .confirmed: return
            case .failed(let error): throw error
            case .publishNext: break
            }
        }
        publishing = true
        let others = waiting.prefix(Self.maxBatch - 1)
        waiting.removeFirst(others.count)
        let turn: Turn
        do {
            let message = JournalEntry.batchMessage(rows: [row] + others.map(\.row))
            _ = try await publisher.publish(exchange: "", routingKey: stream, body: message.body, properties: message.properties)
            turn = .confirmed
        } catch {
            turn = .failed(error)
        }
        for other in others { other.turn.resume(returning: turn) }
        if waiting.isEmpty {
            publishing = false
        } else {
            waiting.removeFirst().turn.resume(returning: .publishNext)
        }
        if case .failed(let error) = turn { throw error }
    }
}
