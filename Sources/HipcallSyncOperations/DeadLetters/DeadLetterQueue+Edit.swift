import AMQPClient
import Foundation
import HipcallSync

/// Fixing a dead letter before replaying it.
extension DeadLetterQueue {
    /// Takes the first message with `eventID`, builds its edited body with `edit`, checks it with
    /// the worker's validation (``DeadLetterEditPreview``) and, if `confirm` agrees, replays the
    /// edited copy (replay properties plus `x-hipcall-edited-from` naming the original event id)
    /// and removes the original only once the broker confirmed the copy. Returns the preview and
    /// whether it was replayed. A refused or invalid edit publishes nothing and keeps the original.
    public func edit(
        eventID: String, edit: (DeadLetter) async throws -> [UInt8], confirm: (DeadLetterEditPreview) async throws -> Bool
    ) async throws -> (preview: DeadLetterEditPreview, replayed: Bool) {
        var outcome: (DeadLetterEditPreview, Bool)?
        _ = try await sweep(filter: DeadLetterFilter(eventID: eventID), limit: 1) { letter in
            let preview = try DeadLetterEditPreview(letter: letter, body: try await edit(letter))
            guard try await confirm(preview) else {
                outcome = (preview, false)
                return .kept
            }
            // Keyed by the edited body: the edit may be what makes it decodable.
            var properties = DeadLetter.replayProperties(
                of: letter.delivery.properties, routingKey: letter.routingKey, body: preview.body, replays: letter.replays)
            properties.headers[SyncHeaders.editedFrom] = .string(eventID)
            try await ConfirmedPublisher(connection: connection).publish(
                preview.body, routingKey: letter.routingKey, properties: properties, to: topology.eventsExchange)
            try letter.delivery.ack()
            outcome = (preview, true)
            return .replayed
        }
        guard let outcome else { throw DeadLetterEditError.notFound(eventID: eventID, queue: queue) }
        return outcome
    }

    /// The body of `letter` with `changes` applied (``DeadLetterBodyChange``), as compact JSON.
    public static func body(of letter: DeadLetter, with changes: [DeadLetterBodyChange]) throws(DeadLetterEditError) -> [UInt8] {
        try DeadLetterEditPreview.body(of: letter, with: changes)
    }
}
