import AMQPClient
import Foundation
import Testing
import TestSupport
@testable import HipcallSync

@Suite(
    "A worker over amqps",
    .enabled(if: TLSTestBroker.current != nil, "no TLS listener: ops/test starts one only with a broker of its own"))
struct TLSWorkerTests {
    @Test("a worker given an amqps URL with verify_peer syncs an event through the TLS listener")
    func workerSyncsOverTLS() async throws {
        let broker = try #require(TLSTestBroker.current)
        try await withSyncEnvironment { world in
            let url = broker.url([("cacertfile", broker.file("ca.pem")), ("verify", "verify_peer")])
            let worker = try world.startWorker(["--amqp-url", url])
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(externalID: "TLS-1", data: #"{"name":"Encrypted"}"#))
            #expect(try await world.waitUntil { world.records.companies.first?[string: "name"] == "Encrypted" })
            #expect(await worker.terminate() == 0)
        }
    }
}
