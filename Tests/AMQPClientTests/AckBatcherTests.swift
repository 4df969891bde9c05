import Testing

@testable import AMQPClient

@Suite("Ack batching")
struct AckBatcherTests {
    @Test("consecutive acks become one cumulative ack")
    func cumulative() {
        var batcher = AckBatcher()
        for tag in 1...5 as ClosedRange<UInt64> { batcher.delivered(tag) }
        for tag in [3, 1, 2] as [UInt64] { batcher.requestAck(tag) }
        let flushed = batcher.flush()
        #expect(flushed.cumulative == 3)
        #expect(flushed.singles.isEmpty)
    }

    @Test("an ack beyond an unsettled delivery goes out alone, and is not repeated later")
    func gap() {
        var batcher = AckBatcher()
        for tag in 1...4 as ClosedRange<UInt64> { batcher.delivered(tag) }
        batcher.requestAck(1)
        batcher.requestAck(3)
        var flushed = batcher.flush()
        #expect(flushed.cumulative == 1)
        #expect(flushed.singles == [3])
        batcher.requestAck(2)
        flushed = batcher.flush()
        #expect(flushed.cumulative == 2)
        #expect(flushed.singles.isEmpty)
    }

    @Test("the cumulative ack never names a tag settled earlier (RabbitMQ would refuse it)")
    func cumulativeNamesOutstandingTag() {
        var batcher = AckBatcher()
        for tag in 1...4 as ClosedRange<UInt64> { batcher.delivered(tag) }
        batcher.settledSeparately(3)
        batcher.settledSeparately(4)
        batcher.requestAck(1)
        batcher.requestAck(2)
        let flushed = batcher.flush()
        #expect(flushed.cumulative == 2)
        #expect(flushed.singles.isEmpty)
    }

    @Test("a nack settles its tag without an ack; a later cumulative ack may cover it")
    func nackInPrefix() {
        var batcher = AckBatcher()
        for tag in 1...3 as ClosedRange<UInt64> { batcher.delivered(tag) }
        batcher.settledSeparately(1)
        #expect(batcher.flush().cumulative == nil)
        batcher.requestAck(2)
        let flushed = batcher.flush()
        #expect(flushed.cumulative == 2)
        #expect(flushed.singles.isEmpty)
    }
}
