import Testing

@testable import HipcallSync

@Suite("BrokerFlow")
struct BrokerFlowTests {
    @Test("the worker counts as blocked while any of its connections is, with that connection's reason")
    func blockedWhileAnyConnectionIs() {
        let flow = BrokerFlow(metrics: WorkerMetrics())
        let consumer = flow.observer()
        let publisher = flow.observer()
        #expect(flow.blockedReason == nil)
        publisher("low on disk")
        #expect(flow.blockedReason == "low on disk")
        consumer("low on memory")
        publisher(nil)
        #expect(flow.blockedReason == "low on memory")
        consumer(nil)
        #expect(flow.blockedReason == nil)
    }

    @Test("a connection's unblock clears only its own block (a dropped connection's nil after its successor's block)")
    func unblockIsPerConnection() {
        let flow = BrokerFlow(metrics: WorkerMetrics())
        let dropped = flow.observer()
        let successor = flow.observer()
        dropped("low on disk")
        successor("low on disk")
        dropped(nil)
        #expect(flow.blockedReason == "low on disk")
    }
}
