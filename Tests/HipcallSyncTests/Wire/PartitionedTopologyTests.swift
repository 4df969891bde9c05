import AMQPClient
import Testing
@testable import HipcallSync
import HipcallSyncOperations

@Suite struct PartitionedTopologyTests {
    let topology = SyncTopology(prefix: "hs", retryDelays: [.seconds(1), .milliseconds(1500)], partitions: 3)

    @Test func theSharedModeStaysTheDefault() {
        let shared = SyncTopology(prefix: "hs", retryDelays: [.seconds(1)])
        #expect(!shared.isPartitioned)
        #expect(shared.queues.map(\.name) == ["hs.work", "hs.dead", "hs.parked", "hs.waiting", "hs.applied", "hs.retry.1000ms"])
    }

    @Test func partitionQueuesRetryQueuesAndTheSharedDeadLetterQueue() throws {
        #expect(topology.queues.map(\.name) == [
            "hs.p0", "hs.p1", "hs.p2", "hs.dead", "hs.parked", "hs.waiting", "hs.applied",
            "hs.p0.retry.1000ms", "hs.p0.retry.1500ms", "hs.p1.retry.1000ms", "hs.p1.retry.1500ms",
            "hs.p2.retry.1000ms", "hs.p2.retry.1500ms",
        ])
        let partition = topology.queues[1].arguments
        #expect(partition["x-single-active-consumer"] == .bool(true))
        let journal = try #require(topology.queues.first { $0.name == "hs.applied" })
        #expect(journal.arguments["x-queue-type"] == "stream")
        #expect(partition["x-queue-type"] == "quorum")
        #expect(partition["x-dead-letter-exchange"] == "hs.dead")
    }

    @Test func eachRetryQueueReturnsToItsOwnPartition() throws {
        let retry = try #require(topology.queues.first { $0.name == "hs.p2.retry.1500ms" })
        #expect(retry.arguments["x-dead-letter-exchange"] == "")
        #expect(retry.arguments["x-dead-letter-routing-key"] == "hs.p2")
        #expect(retry.arguments["x-message-ttl"] == .int(1500))
        #expect(topology.retryQueue(1, partition: 2) == "hs.p2.retry.1500ms")
        #expect(topology.retryQueue(1, partition: nil) == "hs.retry.1500ms")
    }

    @Test func theHashExchangeHashesTheKeyHeaderAndPartitionsAreBoundInOrder() {
        #expect(topology.partitionExchangeArguments["hash-header"] == "x-hipcall-key")
        #expect(topology.partitionExchangeArguments["alternate-exchange"] == "hs.unkeyed")
        let bindings = topology.partitionBindings
        #expect(bindings.prefix(3).map(\.destination) == ["hs.p0", "hs.p1", "hs.p2"])
        #expect(bindings.prefix(3).allSatisfy { $0.source == "hs.partitions" && $0.routingKey == "1" && !$0.toExchange })
        #expect(bindings.contains(.init(source: "hs.unkeyed", destination: "hs.p0", routingKey: "", toExchange: false)))
        #expect(bindings.filter(\.toExchange).map(\.routingKey) == RoutingKeys.events)
        #expect(bindings.filter(\.toExchange).allSatisfy { $0.source == "crm.events" && $0.destination == "hs.partitions" })
        #expect(SyncTopology.keyHeaderValue(resource: "companies", externalID: "ERP-1") == "companies:ERP-1")
    }

    @Test func probesTravelThroughAControlExchangeBoundToEachPartitionByName() {
        #expect(topology.controlExchange == "hs.control")
        #expect(topology.partitionExchanges.contains { $0.name == "hs.control" && $0.type == "direct" })
        let control = topology.partitionBindings.filter { $0.source == "hs.control" }
        #expect(control.map(\.destination) == ["hs.p0", "hs.p1", "hs.p2"])
        #expect(control.allSatisfy { $0.routingKey == $0.destination && !$0.toExchange })
        // The hash ring's buckets are still the first bindings made, and the verifier checks the control bindings.
        #expect(topology.partitionBindings.prefix(3).allSatisfy { $0.source == "hs.partitions" })
        #expect(TopologyVerifier(topology: topology).bindings.contains(.init(exchange: "hs.control", queue: "hs.p2", routingKey: "hs.p2")))
        #expect(topology.exchanges.contains { $0.name == "hs.control" })
    }

    @Test func aRetryReturnIsKnownByItsRetryQueueAndTheQueueItReturnsTo() {
        #expect(topology.isRetryReturn(from: "hs.p2.retry.1500ms", routingKey: "hs.p2"))
        #expect(!topology.isRetryReturn(from: "hs.p2.retry.1500ms", routingKey: "hs.p1"))
        #expect(!topology.isRetryReturn(from: "hs.p2", routingKey: "hs.p2"))
        let shared = SyncTopology(prefix: "hs", retryDelays: [.seconds(1)])
        #expect(shared.isRetryReturn(from: "hs.retry.1000ms", routingKey: "hs.work"))
        #expect(!shared.isRetryReturn(from: "hs.retry.1000ms", routingKey: "company.changed"))
        #expect(!shared.isRetryReturn(from: "hs.dead", routingKey: "hs.work"))
    }
}
