import AMQPClient
import Foundation
import TestSupport
import Testing
@testable import HipcallSync

@Suite struct DeliveryHeadersTests {
    let topology = SyncTopology(prefix: "hs", retryDelays: [.seconds(1), .seconds(5)])
    let partitioned = SyncTopology(prefix: "hs", retryDelays: [.seconds(1), .seconds(5)], partitions: 2)

    /// The `x-death` RabbitMQ adds when a retry queue's TTL returns a message.
    func death(_ queue: String, reason: String = "expired") -> AMQPFieldValue {
        .array([.table(["queue": .string(queue), "reason": .string(reason), "count": 1, "exchange": "", "routing-keys": .array([.string(queue)])])])
    }

    var retryState: AMQPTable {
        [
            SyncHeaders.originalRoutingKey: "contact.changed", SyncHeaders.attempts: "3",
            SyncHeaders.firstFailedAt: "2026-11-25T12:58:00Z",
        ]
    }

    func read(_ headers: AMQPTable, exchange: String = "crm.events", routingKey: String = "company.changed", in topology: SyncTopology? = nil)
        -> DeliveryHeaders
    {
        DeliveryHeaders(headers: headers, timestamp: nil, exchange: exchange, routingKey: routingKey, topology: topology ?? self.topology)
    }

    @Test func aRepairIsMarkedByItsHeaderWhateverItsValue() {
        #expect(read([SyncHeaders.repair: "2026-11-25T12:58:00.000Z"]).isRepair)
        #expect(read([SyncHeaders.repair: .array([])]).isRepair)
        #expect(read([SyncHeaders.repair: "2026-11-25T12:58:00.000Z"]).ignored.isEmpty)
        #expect(!read([SyncHeaders.key: "companies:ERP-1"]).isRepair)
    }

    @Test func theRetryStateCountsOnAMessageBackFromOurRetryQueue() {
        var headers = retryState
        headers["x-death"] = death("hs.retry.5000ms")
        let returned = read(headers, exchange: "", routingKey: "hs.work")
        #expect(returned.isRetryReturn)
        #expect(returned.routingKey == "contact.changed")
        #expect(returned.attempts == 3)
        #expect(returned.firstFailedAt == Date(timeIntervalSince1970: 1_795_611_480))
        #expect(returned.forgedRoutingKey == nil)
        #expect(returned.ignored.isEmpty)

        headers["x-death"] = death("hs.p1.retry.1000ms")
        #expect(read(headers, exchange: "", routingKey: "hs.p1", in: partitioned).attempts == 3)
    }

    @Test func forgedRetryStateOnAFreshEventIsIgnored() {
        let fresh = read(retryState.merging([SyncHeaders.attempts: .int(.max)]) { $1 })
        #expect(!fresh.isRetryReturn)
        #expect(fresh.routingKey == "company.changed")
        #expect(fresh.forgedRoutingKey == "contact.changed")
        #expect(fresh.attempts == 0)
        #expect(fresh.firstFailedAt == nil)
        #expect(
            Set(fresh.ignored) == [
                IgnoredHeader(header: SyncHeaders.attempts, problem: .untrusted),
                IgnoredHeader(header: SyncHeaders.firstFailedAt, problem: .untrusted),
            ])
        // A routing-key header that agrees with the delivery is no forgery.
        #expect(read([SyncHeaders.originalRoutingKey: "company.changed"]).forgedRoutingKey == nil)
    }

    @Test func aForgedDeathRecordIsNotEnough() {
        var headers = retryState
        headers["x-death"] = death("hs.retry.5000ms")
        // Published to crm.events with a copied x-death: not from our retry queue.
        #expect(!read(headers).isRetryReturn)
        // Back through the default exchange, but from another queue, for another reason, or to another queue.
        headers["x-death"] = death("elsewhere")
        #expect(!read(headers, exchange: "", routingKey: "hs.work").isRetryReturn)
        headers["x-death"] = death("hs.retry.5000ms", reason: "rejected")
        #expect(!read(headers, exchange: "", routingKey: "hs.work").isRetryReturn)
        headers["x-death"] = death("hs.p0.retry.1000ms")
        #expect(!read(headers, exchange: "", routingKey: "hs.p1", in: partitioned).isRetryReturn)
    }

    @Test func hostileAttemptsOnARetryAreBoundedOrIgnored() {
        for (value, expected): (AMQPFieldValue, Int) in [
            (.int(.max), 0), ("9223372036854775807", 0), ("-4", 0), (.table(["a": 1]), 0), (.bytes([0xff]), 0),
            (.string(String(repeating: "9", count: 300)), 0), (.int(1000), 1000), (" 2", 2),
        ] {
            let headers: AMQPTable = [SyncHeaders.attempts: value, "x-death": death("hs.retry.1000ms")]
            let returned = read(headers, exchange: "", routingKey: "hs.work")
            #expect(returned.attempts == expected, "\(value)")
            #expect(returned.ignored.count == (expected == 0 ? 1 : 0), "\(value)")
        }
    }

    @Test func theKeyHeaderIsComparedWithTheBodyAfterNormalising() {
        let event = makeEvent(.companies, id: "e", externalID: "ERP-1", at: 0)
        #expect(read([SyncHeaders.key: "companies:ERP-1"]).keyMismatch(for: event) == nil)
        #expect(read([SyncHeaders.key: "companies: ERP-1 "]).keyMismatch(for: event) == nil)
        #expect(read([:]).keyMismatch(for: event) == nil)
        let mismatch = IgnoredHeader(header: SyncHeaders.key, problem: .disagreesWithBody)
        #expect(read([SyncHeaders.key: "companies:ERP-2"]).keyMismatch(for: event) == mismatch)
        #expect(read([SyncHeaders.key: "contacts:ERP-1"]).keyMismatch(for: event) == mismatch)
        #expect(read([SyncHeaders.key: "ERP-1"]).keyMismatch(for: event) == mismatch)
        // An unreadable key is ignored as such, not compared.
        let table = read([SyncHeaders.key: .table([:])])
        #expect(table.keyMismatch(for: event) == nil)
        #expect(table.ignored == [IgnoredHeader(header: SyncHeaders.key, problem: .wrongType)])
    }

    @Test func thePublishTimeIsReadWithItsProblemsNoted() {
        let stamped = DeliveryHeaders(
            headers: [PublishedAt.header: .int(.max)], timestamp: .max, exchange: "crm.events", routingKey: "company.changed",
            topology: topology)
        #expect(stamped.publishedAt == .max)
        #expect(PublishedAt.latency(publishedAt: stamped.publishedAt) == .zero)
        let broken = DeliveryHeaders(
            headers: [PublishedAt.header: "-5"], timestamp: .max, exchange: "crm.events", routingKey: "company.changed", topology: topology)
        #expect(broken.publishedAt == nil)
        #expect(broken.ignored.map(\.header) == [PublishedAt.header, PublishedAt.timestampProperty])
    }
}
