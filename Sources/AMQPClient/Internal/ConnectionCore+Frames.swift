import CRabbitMQ

extension ConnectionCore {
    /// Routes one frame from the broker; returns an error when the whole connection must end.
    func dispatch(_ frame: amqp_frame_t) -> AMQPError? {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            return dispatchMethod(frame.payload.method, channel: frame.channel)
        case AMQP_FRAME_HEADER:
            guard let channel = channels[frame.channel], var content = channel.content, !content.headerSeen,
                let decoded = frame.payload.properties.decoded
            else { return nil }
            content.properties = AMQPProperties(copying: decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            content.bodySize = frame.payload.properties.body_size
            content.headerSeen = true
            channel.content = content
            admitBody(on: channel)
            if channel.content?.isComplete == true { finishContent(on: channel) }
        case AMQP_FRAME_BODY:
            guard let channel = channels[frame.channel], channel.content?.headerSeen == true else { return nil }
            let fragment = frame.payload.body_fragment
            let length = UInt64(clamping: fragment.len)
            if channel.content?.handling == .assemble, length > 0, let bytes = fragment.bytes {
                channel.content?.body.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: fragment.len))
            }
            if let received = channel.content?.received {
                let (sum, overflow) = received.addingReportingOverflow(length)
                channel.content?.received = overflow ? .max : sum
            }
            if channel.content?.isComplete == true { finishContent(on: channel) }
            // Each frame was read into the channel's pool; recycle it now rather than after up to
            // 4,096 frames (512 MiB of body frames at the default frame size).
            if let state { amqp_maybe_release_buffers_on_channel(state, frame.channel) }
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
            channel.consumers.removeValue(forKey: tag)?.continuation.finish(
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
                    exchange: String(amqpBytes: getOk.exchange), routingKey: String(amqpBytes: getOk.routing_key)))
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
            let text = method.decoded.map { String(amqpBytes: $0.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee.reason) }
            let reason = text.flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? "no reason given"
            if mailbox.setBlocked(reason) {
                logger.warning(
                    "the broker blocked this connection (resource alarm); it reads nothing from it until unblocked",
                    metadata: ["reason": "\(reason)", "connection": "\(configuration.connectionName ?? AMQPConfiguration.defaultConnectionName)"])
                onFlowChange?(reason)
            }
        case AMQPMethodID.connectionUnblocked:
            if mailbox.setBlocked(nil) {
                logger.notice("the broker unblocked this connection", metadata: ["connection": "\(configuration.connectionName ?? AMQPConfiguration.defaultConnectionName)"])
                onFlowChange?(nil)
            }
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

    /// Decides at the content header what becomes of the body. A delivery over its consumer's
    /// ``AMQPBodyLimit`` (or whose consumer is gone) is settled here and its body frames are
    /// dropped as they arrive; so is the body of a returned publish, which nobody reads.
    private func admitBody(on channel: ChannelState) {
        guard let content = channel.content else { return }
        let size = content.bodySize
        var limit = PendingContent.assemblyCeiling
        switch content.target {
        case .delivery(let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            guard let consumer = channel.consumers[consumerTag] else {
                channel.content?.handling = .discard
                requeueUnwanted(deliveryTag, on: channel)
                return
            }
            limit = consumer.bodyLimit?.maxBytes ?? limit
            guard size > UInt64(clamping: limit) else { break }
            channel.content?.handling = .discard
            channel.acks.settledSeparately(deliveryTag)
            // A closing channel requeues it: the next consumer refuses (and reports) it.
            guard !channel.closing else { return }
            var reject = amqp_basic_reject_t(delivery_tag: deliveryTag, requeue: 0)
            sendOneWay(channel: channel.id, method: AMQPMethodID.basicReject, &reject)
            let refused = AMQPRefusedDelivery(
                deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                properties: content.properties, bodySize: size, limit: limit)
            if let onRefused = consumer.bodyLimit?.onRefused {
                onRefused(refused)
            } else {
                logger.warning(
                    "rejected a delivery too large to assemble",
                    metadata: ["routing_key": "\(routingKey)", "body_size": "\(size)", "limit": "\(limit)"])
            }
            return
        case .get(let rpc, let deliveryTag, _, _, let routingKey):
            guard size > UInt64(clamping: limit) else { break }
            channel.content?.handling = .discard
            requeueUnwanted(deliveryTag, on: channel)
            rpc.complete(
                .failure(
                    AMQPError(
                        .bodyTooLarge,
                        message: "a message (routing key \(routingKey)) has a body of \(size) bytes, more than \(limit); it was requeued")))
            return
        case .returned:
            channel.content?.handling = .discard
            return
        }
        // Within the limit, so the announced size fits an Int.
        channel.content?.body.reserveCapacity(Int(min(size, UInt64(clamping: limit))))
    }

    /// Gives a delivery back to the queue (one racing a cancel, or a fetched one too large) rather
    /// than hold it unacked, and counts it settled, or later acks on the channel could never be cumulative.
    private func requeueUnwanted(_ deliveryTag: UInt64, on channel: ChannelState) {
        channel.acks.settledSeparately(deliveryTag)
        guard !channel.closing else { return }
        var nack = amqp_basic_nack_t(delivery_tag: deliveryTag, multiple: 0, requeue: 1)
        sendOneWay(channel: channel.id, method: AMQPMethodID.basicNack, &nack)
    }

    /// Hands a fully assembled message to whoever waits for it; a discarded one was settled at its header.
    private func finishContent(on channel: ChannelState) {
        guard var content = channel.content else { return }
        channel.content = nil
        // The publish-sequence header is this client's bookkeeping, not the publisher's data.
        let sequence = content.properties.headers.removeValue(forKey: AMQPChannel.publishSequenceHeader)
        switch content.target {
        case .delivery, .get:
            guard content.handling == .assemble else { return }
        case .returned:
            break
        }
        switch content.target {
        case .delivery(let consumerTag, let deliveryTag, let redelivered, let exchange, let routingKey):
            guard let consumer = channel.consumers[consumerTag] else {
                requeueUnwanted(deliveryTag, on: channel)
                return
            }
            channel.acks.delivered(deliveryTag)
            consumer.continuation.yield(
                AMQPDelivery(
                    deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                    properties: content.properties, body: content.body, channel: address(of: channel)))
        case .get(let rpc, let deliveryTag, let redelivered, let exchange, let routingKey):
            channel.acks.delivered(deliveryTag)
            rpc.complete(
                .success(
                    .getMessage(
                        AMQPGetMessage(
                            delivery: AMQPDelivery(
                                deliveryTag: deliveryTag, redelivered: redelivered, exchange: exchange, routingKey: routingKey,
                                properties: content.properties, body: content.body, channel: address(of: channel))))))
        case .returned(let replyCode, let replyText, _, _):
            // A header of any type or value may arrive here; only a sequence this client could have sent counts.
            if let sequence = sequence?.intValue.flatMap({ UInt64(exactly: $0) }), channel.pendingConfirms[sequence] != nil {
                channel.returnedBySequence[sequence] = (replyCode, replyText)
            }
        }
    }
}
