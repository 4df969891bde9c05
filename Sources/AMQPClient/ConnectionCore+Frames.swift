import CRabbitMQ

extension ConnectionCore {
    /// Routes one frame from the broker; returns an error when the whole connection must end.
    func dispatch(_ frame: amqp_frame_t) -> AMQPError? {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            return dispatchMethod(frame.payload.method, channel: frame.channel)
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel], var content = channel.content,
                let decoded = frame.payload.properties.decoded
            else { return nil }
            content.properties = AMQPProperties(copying: decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            content.expectedSize = Int(frame.payload.properties.body_size)
            content.headerSeen = true
            content.body.reserveCapacity(content.expectedSize)
            channel.content = content
            if content.expectedSize == 0 { finishContent(on: channel) }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel], channel.content != nil else { return nil }
            let fragment = frame.payload.body_fragment
            if fragment.len > 0, let bytes = fragment.bytes {
                channel.content?.body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: fragment.len))
            }
            if let content = channel.content, content.body.count >= content.expectedSize { finishContent(on: channel) }
        default:
            break  // heartbeats are handled inside librabbitmq
        }
        return nil
    }

    private func dispatchMethod(_ method: amqp_method_t, channel id: UInt16) -> AMQPError? {
        if id == 0 { return dispatchConnectionMethod(method) }
        guard let channel = channels[id] else { return nil }
        let decoded = method.decoded
        switch method.id {
        case AMQPMethodID.basicDeliver:
            let deliver = decoded!.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            channel.content = PendingContent(
                target: .delivery(
                    consumerTag: String(amqpBytes: deliver.consumer_tag), deliveryTag: deliver.delivery_tag,
                    redelivered: deliver.redelivered != 0, exchange: String(amqpBytes: deliver.exchange),
                    routingKey: String(amqpBytes: deliver.routing_key)))
        case AMQPMethodID.basicReturn:
            let returned = decoded!.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            channel.content = PendingContent(
                target: .returned(
                    replyCode: returned.reply_code, replyText: String(amqpBytes: returned.reply_text),
                    exchange: String(amqpBytes: returned.exchange), routingKey: String(amqpBytes: returned.routing_key)))
        case AMQPMethodID.basicAck:
            let ack = decoded!.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            channel.confirm(tag: ack.delivery_tag, multiple: ack.multiple != 0, acked: true)
        case AMQPMethodID.basicNack:
            let nack = decoded!.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            channel.confirm(tag: nack.delivery_tag, multiple: nack.multiple != 0, acked: false)
        case AMQPMethodID.basicCancel:
            let cancel = decoded!.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            let tag = String(amqpBytes: cancel.consumer_tag)
            channel.consumers.removeValue(forKey: tag)?.finish(
                throwing: AMQPError(.consumerCancelled, message: "the broker cancelled consumer \(tag) (its queue may have been deleted)"))
        case AMQPMethodID.channelClose:
            let close = decoded!.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let error = AMQPError(
                .channelClosedByServer, message: String(amqpBytes: close.reply_text), replyCode: close.reply_code)
            var closeOk = amqp_channel_close_ok_t()
            let status = sendOneWay(channel: id, method: AMQPMethodID.channelCloseOk, &closeOk)
            channels[id] = nil
            closedChannels[id] = error
            channel.fail(with: error)
            if status != AMQP_STATUS_OK.rawValue { return .library(status, context: "answering channel.close") }
        case AMQPMethodID.basicGetOk:
            let getOk = decoded!.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
            guard !channel.rpcs.isEmpty else { return nil }
            let rpc = channel.rpcs.removeFirst()
            channel.content = PendingContent(
                target: .get(
                    rpc, deliveryTag: getOk.delivery_tag, redelivered: getOk.redelivered != 0,
                    exchange: String(amqpBytes: getOk.exchange), routingKey: String(amqpBytes: getOk.routing_key),
                    messageCount: getOk.message_count))
        default:
            completeRPC(on: channel, method: method)
        }
        return nil
    }

    private func dispatchConnectionMethod(_ method: amqp_method_t) -> AMQPError? {
        switch method.id {
        case AMQPMethodID.connectionClose:
            let close = method.decoded!.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            var closeOk = amqp_connection_close_ok_t()
            sendOneWay(channel: 0, method: AMQPMethodID.connectionCloseOk, &closeOk)
            return AMQPError(
                .connectionClosedByServer, message: String(amqpBytes: close.reply_text), replyCode: close.reply_code)
        case AMQPMethodID.connectionBlocked:
            logger.warning("the broker blocked this connection (resource alarm); publishes will wait")
        case AMQPMethodID.connectionUnblocked:
            logger.info("the broker unblocked this connection")
        default:
            break
        }
        return nil
    }

    /// Completes the oldest waiting RPC when this method is one of its replies.
    private func completeRPC(on channel: ChannelState, method: amqp_method_t) {
        guard let rpc = channel.rpcs.first, rpc.expected.contains(method.id) else {
            logger.debug("unexpected method \(method.id) on channel \(channel.id)")
            return
        }
        channel.rpcs.removeFirst()
        let decoded = method.decoded
        switch method.id {
        case AMQPMethodID.queueDeclareOk:
            let ok = decoded!.assumingMemoryBound(to: amqp_queue_declare_ok_t.self).pointee
            rpc.complete(
                .success(
                    .queueDeclared(
                        AMQPQueueInfo(
                            name: String(amqpBytes: ok.queue), messageCount: ok.message_count, consumerCount: ok.consumer_count))))
        case AMQPMethodID.queuePurgeOk:
            rpc.complete(.success(.messageCount(decoded!.assumingMemoryBound(to: amqp_queue_purge_ok_t.self).pointee.message_count)))
        case AMQPMethodID.queueDeleteOk:
            rpc.complete(.success(.messageCount(decoded!.assumingMemoryBound(to: amqp_queue_delete_ok_t.self).pointee.message_count)))
        case AMQPMethodID.basicGetEmpty:
            rpc.complete(.success(.getEmpty))
        default:
            rpc.complete(.success(.ok))
        }
    }

    private func address(of channel: ChannelState) -> ChannelAddress {
        ChannelAddress(mailbox: mailbox, id: channel.id)
    }

    /// Hands a fully assembled message to whoever waits for it.
    private func finishContent(on channel: ChannelState) {
        guard var content = channel.content else { return }
        channel.content = nil
        // The publish-sequence header is this client's bookkeeping, not the publisher's data.
        let sequence = content.properties.headers.removeValue(forKey: AMQPChannel.publishSequenceHeader)
        switch content.target {
        case .delivery(let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            guard let consumer = channel.consumers[consumerTag] else {
                // A delivery racing a cancel: give it back to the queue rather than hold it unacked
                // (and count it settled, or later acks on the channel could never be cumulative).
                channel.acks.settledSeparately(deliveryTag)
                var nack = amqp_basic_nack_t(delivery_tag: deliveryTag, multiple: 0, requeue: 1)
                sendOneWay(channel: channel.id, method: AMQPMethodID.basicNack, &nack)
                return
            }
            channel.acks.delivered(deliveryTag)
            consumer.yield(
                AMQPDelivery(
                    deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                    properties: content.properties, body: content.body, channel: address(of: channel)))
        case .get(let rpc, let deliveryTag, let redelivered, let exchange, let routingKey, let messageCount):
            channel.acks.delivered(deliveryTag)
            rpc.complete(
                .success(
                    .getMessage(
                        AMQPGetMessage(
                            delivery: AMQPDelivery(
                                deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                                properties: content.properties, body: content.body, channel: address(of: channel)),
                            remainingMessageCount: messageCount))))
        case .returned(let replyCode, let replyText, _, _):
            if let sequence = sequence?.intValue {
                channel.returnedBySequence[UInt64(sequence)] = (replyCode, replyText)
            }
        }
    }
}
