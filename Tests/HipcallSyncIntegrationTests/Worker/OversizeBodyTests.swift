import AMQPClient
import Foundation
import HipcallSync
import Testing

@Suite("Worker: bodies over the event size limit", .serialized)
struct OversizeBodyTests {
    /// The worker's event size limit (the event decoder's).
    static let limit = EventDecoder().maxBodyBytes

    /// Publishes raw bytes for `externalID` (with the partition key header, which partitioned mode routes by).
    private func publish(_ world: SyncTestEnvironment, _ body: [UInt8], externalID: String, messageID: String) async throws {
        let key = SyncTopology.keyHeaderValue(resource: "companies", externalID: externalID)
        let outcome = try await world.channel.publish(
            exchange: world.topology.eventsExchange, routingKey: "company.changed", body: body,
            properties: AMQPProperties(
                contentType: "application/json", headers: [SyncHeaders.key: .string(key)], persistent: true,
                messageID: messageID),
            mandatory: true)
        #expect(outcome == .confirmed)
    }

    /// A valid company event whose body is padded with spaces to `size` bytes.
    private static func paddedEvent(externalID: String, size: Int) -> [UInt8] {
        let event = Array(SyncTestEnvironment.event(externalID: externalID, data: #"{"name":"Big Co"}"#).utf8)
        return event + Array(repeating: UInt8(ascii: " "), count: max(0, size - event.count))
    }

    /// Valid events before and after two oversize ones (30 MiB, and one byte over the limit) sync;
    /// the oversize ones reach the dead-letter queue byte for byte, counted, with the reason the
    /// `dead-letters` commands show.
    private func oversizeRun(partitions: Int) async throws {
        try await withSyncEnvironment(partitions: partitions) { world in
            let worker = try world.startWorker(["--prefetch", "512"])
            let huge = Self.paddedEvent(externalID: "BIG-1", size: 30 * 1_048_576)
            let justOver = Self.paddedEvent(externalID: "BIG-2", size: Self.limit + 1)
            try await publish(world, Array(SyncTestEnvironment.event(externalID: "OK-1", data: #"{"name":"Before"}"#).utf8),
                              externalID: "OK-1", messageID: "ok-1")
            try await publish(world, huge, externalID: "BIG-1", messageID: "big-1")
            try await publish(world, justOver, externalID: "BIG-2", messageID: "big-2")
            try await publish(world, Array(SyncTestEnvironment.event(externalID: "OK-2", data: #"{"name":"After"}"#).utf8),
                              externalID: "OK-2", messageID: "ok-2")

            #expect(try await world.waitUntil { world.records.companies.count == 2 })
            #expect(Set(world.records.companies.map(\.externalID)) == ["OK-1", "OK-2"])
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 2 })
            #expect(try await world.waitUntil { await world.settledEvents() == 4 })
            #expect(await worker.events(["dead_lettered"]) == 2)

            let list = try world.run(["dead-letters", "list", "--json"])
            #expect(list.status == 0, "\(list.stderr)")
            // Partition queues dead-letter independently: in event-id order.
            let rows = try #require(try list.json() as? [[String: Any]]).sorted { ($0["event_id"] as? String ?? "") < ($1["event_id"] as? String ?? "") }
            #expect(rows.map { $0["event_id"] as? String } == ["big-1", "big-2"])
            #expect(rows.allSatisfy { $0["error_class"] as? String == "invalid_event" })
            let errors = rows.compactMap { $0["error"] as? String }
            #expect(errors.first?.hasPrefix("body_too_large: body has \(huge.count) bytes, more than \(Self.limit)") == true, "\(errors)")
            #expect(errors.last?.hasPrefix("body_too_large: body has \(justOver.count) bytes, more than \(Self.limit)") == true)

            let show = try world.run(["dead-letters", "show", "big-1"])
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.contains("reason:       invalid_event: body_too_large"))
            #expect(show.stdout.contains("… \(huge.count - 65_536) more bytes"))

            let letters = try await world.takeDeadLetters()
            #expect(letters.map(\.body).sorted { $0.count > $1.count } == [huge, justOver])
            // Refused unread by the connection (RabbitMQ dead-lettered the rejected delivery), not
            // decoded and republished by the worker (which would stamp x-hipcall-error).
            for letter in letters {
                #expect(AMQPDeathRecord.decode(from: letter.headers).first?.reason == "rejected")
                #expect(letter.headers[SyncHeaders.error] == nil)
            }
            #expect(errors.allSatisfy { $0.contains("refused unread by the worker") })
        }
    }

    @Test("on the shared work queue, an oversize body is dead-lettered unread with its reason and later events sync")
    func sharedQueue() async throws {
        try await oversizeRun(partitions: 0)
    }

    @Test("on partition queues, an oversize body is dead-lettered unread with its reason and later events sync")
    func partitionQueues() async throws {
        try await oversizeRun(partitions: 2)
    }
}
