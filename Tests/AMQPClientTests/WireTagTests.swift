import Testing

@testable import AMQPClient

@Suite("Delivery and confirm tags from the wire")
struct WireTagTests {
    @Test("a delivery tag far beyond the unsettled ones is acked on its own, without tracking every tag between")
    func farDeliveryTag() {
        var batcher = AckBatcher()
        batcher.delivered(1)
        for tag in [UInt64.max, UInt64.max - 1, 1 << 40] {
            batcher.delivered(tag)
            batcher.requestAck(tag)
        }
        batcher.requestAck(1)
        let flushed = batcher.flush()
        #expect(flushed.cumulative == 1)
        #expect(Set(flushed.singles) == [UInt64.max, UInt64.max - 1, 1 << 40])
        // The window still works for the tags that follow.
        batcher.delivered(2)
        batcher.requestAck(2)
        #expect(batcher.flush().cumulative == 2)
    }

    @Test("a multiple confirm naming a tag beyond every publish resolves only what was published")
    func farConfirmTag() {
        let channel = ChannelState(id: 1)
        channel.confirm(tag: .max, multiple: true, acked: true)
        #expect(channel.lowestUnconfirmed == 1)
        channel.nextPublishSequence = 3
        channel.confirm(tag: .max, multiple: true, acked: false)
        #expect(channel.lowestUnconfirmed == 3)
    }
}
