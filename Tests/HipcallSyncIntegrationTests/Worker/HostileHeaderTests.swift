import AMQPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hipcall
@testable import HipcallSync
import Testing

/// Headers and properties chosen by a hostile publisher, against a real worker, broker and simulator.
@Suite("Worker: hostile headers and clock skew", .serialized)
struct HostileHeaderTests {
    /// Publishes `body` to the events exchange with `headers` (and `timestamp`), confirmed.
    private func publish(
        _ world: SyncTestEnvironment, _ body: String, headers: AMQPTable, timestamp: UInt64? = nil, routingKey: String = "company.changed"
    ) async throws {
        var properties = AMQPProperties(contentType: "application/json", headers: headers, persistent: true)
        properties.timestamp = timestamp
        let outcome = try await world.channel.publish(
            exchange: world.topology.eventsExchange, routingKey: routingKey, body: Array(body.utf8), properties: properties, mandatory: true)
        #expect(outcome == .confirmed)
    }

    /// The worker's /metrics text.
    private func metrics(_ worker: WorkerProcess) async -> String {
        guard let url = URL(string: "http://127.0.0.1:\(worker.metricsPort)/metrics"), let (data, _) = try? await URLSession.shared.data(from: url)
        else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    private func companyNames(_ world: SyncTestEnvironment) -> [String: String] {
        var names: [String: String] = [:]
        for record in world.records.companies {
            if let id = record[string: "external_id"], let name = record[string: "name"] { names[id] = name }
        }
        return names
    }

    @Test("every hostile header value leaves the worker up: valid events sync, a forged routing key is dead-lettered naming the header")
    func hostileValues() async throws {
        try await withSyncEnvironment { world in
            let worker = try world.startWorker()
            let long = AMQPFieldValue.string(String(repeating: "9", count: 300))
            let notUTF8 = AMQPFieldValue.bytes([0xff, 0xfe, 0x00, 0x81])
            let nested = AMQPFieldValue.table(["a": .table(["b": .array([.int(1), .void])])])
            let retryQueue = world.topology.retryQueue(0)
            let cases: [(String, AMQPTable, UInt64?)] = [
                ("attempts-max", [SyncHeaders.attempts: .int(.max)], nil),
                ("attempts-max-text", [SyncHeaders.attempts: "9223372036854775807"], nil),
                ("attempts-negative", [SyncHeaders.attempts: "-5"], nil),
                ("attempts-table", [SyncHeaders.attempts: nested], nil),
                ("attempts-long", [SyncHeaders.attempts: long], nil),
                ("attempts-bytes", [SyncHeaders.attempts: notUTF8], nil),
                ("first-failed", [SyncHeaders.firstFailedAt: "9999-99-99", SyncHeaders.attempts: "4"], nil),
                ("published-max", [PublishedAt.header: .int(.max)], .max),
                ("published-negative", [PublishedAt.header: "-1"], 0),
                ("published-table", [PublishedAt.header: nested], nil),
                ("death-forged", ["x-death": .array([.table(["queue": .string(retryQueue), "reason": "expired", "count": .int(.max)])]),
                    SyncHeaders.attempts: "4", SyncHeaders.originalRoutingKey: "company.changed"], nil),
                ("death-string", ["x-death": long], nil),
                ("probe", ["x-hipcall-probe": "worker-1"], nil),
                ("key-disagrees", [SyncHeaders.key: "companies:SOMEONE-ELSE"], nil),
                ("key-table", [SyncHeaders.key: nested], nil),
                ("key-bytes", [SyncHeaders.key: notUTF8], nil),
                ("routing-agrees", [SyncHeaders.originalRoutingKey: "company.changed"], nil),
                ("routing-long", [SyncHeaders.originalRoutingKey: long], nil),
                ("routing-table", [SyncHeaders.originalRoutingKey: nested], nil),
            ]
            for (id, headers, timestamp) in cases {
                try await publish(world, SyncTestEnvironment.event(externalID: "H-\(id)", data: #"{"name":"\#(id)"}"#), headers: headers, timestamp: timestamp)
            }
            // A forged original routing key on a fresh event must not make a company a contact.
            let forged = SyncTestEnvironment.event(externalID: "H-forged", data: #"{"name":"forged"}"#)
            try await publish(world, forged, headers: [SyncHeaders.originalRoutingKey: "contact.changed"])

            #expect(try await world.waitUntil { companyNames(world).count == cases.count })
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })
            let names = companyNames(world)
            for (id, _, _) in cases { #expect(names["H-\(id)"] == id, "\(id) not synced") }
            #expect(world.records.contacts.isEmpty)
            let letters = try await world.takeDeadLetters()
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.body == Array(forged.utf8))
            #expect(letter.routingKey == "company.changed")
            #expect(letter.headers[SyncHeaders.error]?.stringValue?.hasPrefix("untrusted_header (x-hipcall-routing-key)") == true)
            #expect(letter.headers[SyncHeaders.attempts]?.stringValue == "1")
            #expect(worker.process.isRunning)
            let text = await metrics(worker)
            for expected in [
                #"header="x-hipcall-attempts",reason="untrusted""#, #"header="x-hipcall-key",reason="disagrees_with_body""#,
                #"header="x-hipcall-key",reason="wrong_type""#, #"header="x-death",reason="wrong_type""#,
                #"header="x-hipcall-routing-key",reason="too_long""#, #"header="timestamp",reason="out_of_range""#,
            ] {
                #expect(text.contains("hipcall_sync_header_ignored_total{") && text.contains(expected), "\(expected)")
            }
        }
    }

    @Test("a message back from our retry queue with an Int64.max attempts header is retried from a fresh count, not a crash")
    func hostileAttemptsOnARetry() async throws {
        try await withSyncEnvironment { world in
            let worker = try world.startWorker()
            // Straight into a retry queue, as the worker's own retry copy would be, with attempts at the limit of Int64.
            let body = SyncTestEnvironment.event(externalID: "R-max", data: #"{"name":"Retried"}"#)
            let properties = AMQPProperties(
                contentType: "application/json",
                headers: [SyncHeaders.attempts: "9223372036854775807", SyncHeaders.originalRoutingKey: "company.changed"], persistent: true)
            let outcome = try await world.channel.publish(
                exchange: "", routingKey: world.topology.retryQueue(0), body: Array(body.utf8), properties: properties, mandatory: true)
            #expect(outcome == .confirmed)
            #expect(try await world.waitUntil { companyNames(world)["R-max"] == "Retried" })
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            #expect(worker.process.isRunning)
            #expect(await metrics(worker).contains(#"header="x-hipcall-attempts",reason="out_of_range""#))
        }
    }

    @Test("a far-future occurred_at is dead-lettered as occurred_at_in_future, and a later real event for the record syncs")
    func farFutureEvent() async throws {
        try await withSyncEnvironment { world in
            let worker = try world.startWorker()
            let inTwoHours = Date().addingTimeInterval(2 * 3600).formatted(.iso8601)
            let future = [
                SyncTestEnvironment.event(at: "9999-12-31T23:59:60.99999999999999999999Z", externalID: "F-1", data: #"{"name":"Frozen"}"#),
                SyncTestEnvironment.event(at: inTwoHours, externalID: "F-1", data: #"{"name":"Two hours ahead"}"#),
            ]
            for body in future { try await world.publish("company.changed", body) }
            #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 2 })
            let real = SyncTestEnvironment.event(at: Date().formatted(.iso8601), externalID: "F-1", data: #"{"name":"Real"}"#)
            try await world.publish("company.changed", real)
            #expect(try await world.waitUntil { companyNames(world)["F-1"] == "Real" })
            let letters = try await world.takeDeadLetters()
            #expect(Set(letters.map(\.body)) == Set(future.map { Array($0.utf8) }))
            for letter in letters {
                #expect(letter.headers[SyncHeaders.error]?.stringValue?.hasPrefix("occurred_at_in_future (occurred_at)") == true)
                #expect(letter.headers[SyncHeaders.errorClass]?.stringValue == "invalid_event")
            }
            #expect(worker.process.isRunning)
        }
    }

    @Test("a CRM event carrying the probe header is synced in partitioned mode, not acked as a probe")
    func probeHeaderInPartitionedMode() async throws {
        try await withSyncEnvironment(partitions: 2) { world in
            let worker = try world.startWorker()
            for index in 0..<4 {
                try await publish(
                    world, SyncTestEnvironment.event(externalID: "P-\(index)", data: #"{"name":"probe \#(index)"}"#),
                    headers: ["x-hipcall-probe": .string("worker-\(index)"), SyncHeaders.key: .string("companies:P-\(index)")])
            }
            #expect(try await world.waitUntil { companyNames(world).count == 4 })
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            #expect(worker.process.isRunning)
        }
    }
}
