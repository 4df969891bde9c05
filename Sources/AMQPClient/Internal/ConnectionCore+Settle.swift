import CRabbitMQ

extension ConnectionCore {
    /// Applies an ack, nack or reject. Plain acks wait for ``flushAcks()`` at the end of the
    /// current batch of commands, so that consecutive acks leave as one cumulative ack.
    func settle(_ settlement: ChannelAddress.Settlement, onChannel id: UInt16) {
        guard let channel = channels[id], !channel.closing else { return }
        switch settlement {
        case .ack(let tag, false):
            channel.acks.requestAck(tag)
        case .ack(let tag, true):
            send(ack: tag, multiple: true, on: id)
        case .nack(let tag, let multiple, let requeue):
            channel.acks.settledSeparately(tag)
            var method = amqp_basic_nack_t(delivery_tag: tag, multiple: multiple ? 1 : 0, requeue: requeue ? 1 : 0)
            checkWrite(sendOneWay(channel: id, method: AMQPMethodID.basicNack, &method))
        case .reject(let tag, let requeue):
            channel.acks.settledSeparately(tag)
            var method = amqp_basic_reject_t(delivery_tag: tag, requeue: requeue ? 1 : 0)
            checkWrite(sendOneWay(channel: id, method: AMQPMethodID.basicReject, &method))
        }
    }

    /// Sends the acks queued during the last batch of commands.
    func flushAcks() {
        for channel in channels.values where !channel.closing { flushAcks(of: channel) }
    }

    /// Sends one channel's queued acks; called before any method on that channel, so an ack
    /// never ends up behind a `channel.close` or `basic.cancel` queued after it.
    func flushAcks(of channel: ChannelState) {
        let (cumulative, singles) = channel.acks.flush()
        if let cumulative { send(ack: cumulative, multiple: true, on: channel.id) }
        for tag in singles { send(ack: tag, multiple: false, on: channel.id) }
    }

    private func send(ack tag: UInt64, multiple: Bool, on id: UInt16) {
        var method = amqp_basic_ack_t(delivery_tag: tag, multiple: multiple ? 1 : 0)
        checkWrite(sendOneWay(channel: id, method: AMQPMethodID.basicAck, &method))
    }

    private func checkWrite(_ status: Int32) {
        if status != AMQP_STATUS_OK.rawValue {
            markBroken(AMQPError.library(status, context: "settling deliveries"))
        }
    }
}
