import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import Logging

/// Takes one delivery from decode to settlement: invalid events are dead-lettered at once; valid
/// ones are serialised per key, coalesced and applied; a success is acked; a failure is copied
/// to a retry queue or the dead-letter queue, and the original is acked only once the broker
/// confirmed the copy. Auth failures hold the delivery until the token works again.
struct DeliveryHandler: Sendable {
    let topology: SyncTopology
    let decoder: EventDecoder
    let coalescer: any EventCoalescing
    let upserter: any EventUpserting
    let publisher: ReliablePublisher
    /// Where applied changes are appended; nil when the strategy keeps no journal (the guide's loop).
    let journal: JournalAppender?
    /// In the shared mode, this worker's id and rate limiter: once the API has reported a rate limit
    /// (its `x-ratelimit-*` headers), each event is announced in the journal as it arrives (see
    /// ``HeldEvent``): one batched journal row and confirm per delivery. Nil otherwise.
    let heldAnnouncement: (limiter: RateLimiter, worker: String)?
    let retryPolicy: RetryPolicy
    /// Pauses consumption on auth and misconfiguration failures; its gate holds deliveries meanwhile.
    let pauses: PauseProber
    let metrics: WorkerMetrics
    let logger: Logger

    /// Handles one delivery; `partition` names the partition queue it came from (partitioned mode),
    /// whose own retry queues a transient failure goes to.
    func handle(_ delivery: AMQPDelivery, partition: Int? = nil) async {
        let started = ContinuousClock.now
        let headers = DeliveryHeaders(delivery, topology: topology)
        report(headers.ignored, of: delivery)
        let routingKey = headers.routingKey
        let event: SyncEvent
        do throws(EventRejection) {
            if let forged = headers.forgedRoutingKey {
                throw EventRejection(
                    .untrustedHeader, field: SyncHeaders.originalRoutingKey,
                    message: "\(SyncHeaders.originalRoutingKey) \(forged.debugDescription) differs from the routing key "
                        + "\(routingKey.debugDescription) of an event that did not come from a retry queue")
            }
            event = try decoder.decode(routingKey: routingKey, body: delivery.body).withoutData
        } catch {
            await settleFailure(
                delivery, headers: headers, event: nil, failure: .invalidEvent(error), partition: partition, started: started)
            return
        }
        if let mismatch = headers.keyMismatch(for: event) {
            // The body names the record: the header is counted, and nothing uses it.
            report([mismatch], of: delivery)
        }
        // Pending from here on: an older event of the record steps aside for this one while it waits.
        var reservation = await coalescer.reserve(event)
        if let journal, let (limiter, worker) = heldAnnouncement, await limiter.knownRemaining != nil {
            // An older event of the record held by another worker waits for this one (no write of its own).
            try? await journal.announce(HeldEvent(event: event, worker: worker))
        }
        if event.hipcallID == nil, event.previousExternalID == nil {
            // A scan under way brings the record's id: cheaper than a lookup.
            await upserter.awaitScan(of: event.key)
        }
        if let company = event.companyKey, upserter.knownID(of: company) == nil {
            // Its company's event may be here too, not applied yet: let it go first; or another
            // worker may be creating it, or a scan bring its id.
            await upserter.awaitScan(of: company)
            await coalescer.waitUntilSettled(company)
            if headers.attempts == 0 {
                // Waited for once: a retry whose company still did not come goes its way at once.
                await upserter.awaitCreation(ofCompany: company)
            }
        }
        // Set once this event paused the worker as misconfigured and the gate opened again since.
        var misconfiguredBefore = false
        while true {
            guard await pauses.gate.pass() == .open else {
                // A long pause (or a cancelled wait) gives the delivery back as it is: no attempt spent.
                if let reservation { await coalescer.withdraw(reservation, of: event) }
                try? delivery.nack(requeue: true)
                return
            }
            let box = ResultBox()
            let outcome = await coalescer.submit(event, reserved: reservation) { _ throws(SyncFailure) in
                var full = try decodeForApply(delivery, routingKey: routingKey)
                full.isRepair = headers.isRepair
                box.result = try await upserter.apply(full)
            }
            reservation = nil
            metrics.lockWaiters(coalescer.lockWaiterCount)
            switch outcome {
            case .applied(let superseded):
                guard let result = box.result else { return }
                await record(result, of: event)
                await announce(result, of: event)
                settleSuccess(delivery, headers: headers, event: event, outcome: result.action.rawValue, hipcallID: result.hipcallID, started: started)
                if !superseded.isEmpty {
                    logger.debug("coalesced events", metadata: ["event_id": "\(event.eventID)", "superseded": "\(superseded)"])
                }
                return
            case .stale:
                settleSuccess(delivery, headers: headers, event: event, outcome: "stale", hipcallID: nil, started: started)
                return
            case .coalesced(_, nil):
                settleSuccess(delivery, headers: headers, event: event, outcome: "coalesced", hipcallID: nil, started: started)
                return
            case .failed(.cancelled, _), .coalesced(_, .cancelled):
                // Shutdown, a lost channel or an expired grace period: not Hipcall's failure. Back to
                // the queue as it is (after a lost connection the broker redelivers it anyway).
                try? delivery.nack(requeue: true)
                return
            case .failed(let failure, _) where failure.pauseReason != nil, .coalesced(_, let failure?) where failure.pauseReason != nil:
                if case .misconfigured(let reason, let status) = failure {
                    if misconfiguredBefore {
                        // The API answered the probe properly, yet this event's request fails the same way:
                        // something on the way refuses this request only. Retried, then dead-lettered.
                        await settleFailure(
                            delivery, headers: headers, event: event, failure: .transient(reason: reason, status: status),
                            partition: partition, started: started)
                        return
                    }
                    misconfiguredBefore = true
                }
                pause(for: failure)
            case .failed(let failure, _), .coalesced(_, let failure?):
                await settleFailure(
                    delivery, headers: headers, event: event, failure: failure, partition: partition, started: started)
                return
            }
        }
    }

    /// The delivery's event with its `data`, parsed again (it was validated on arrival).
    private func decodeForApply(_ delivery: AMQPDelivery, routingKey: String) throws(SyncFailure) -> SyncEvent {
        do throws(EventRejection) {
            return try decoder.decode(routingKey: routingKey, body: delivery.body)
        } catch {
            throw .invalidEvent(error)
        }
    }

    /// Acks a delivery whose event is in Hipcall (or needed no call), and logs the outcome.
    private func settleSuccess(
        _ delivery: AMQPDelivery, headers: DeliveryHeaders, event: SyncEvent, outcome: String, hipcallID: Int64?,
        started: ContinuousClock.Instant
    ) {
        do {
            try delivery.ack()
            if let latency = PublishedAt.latency(publishedAt: headers.publishedAt) {
                metrics.publishToAckLatency(latency)
            }
        } catch {
            logger.warning("ack failed; the broker will redeliver", metadata: ["event_id": "\(event.eventID)", "error": "\(error)"])
        }
        metrics.event(outcome, resource: event.resource.rawValue)
        let elapsed = ContinuousClock.now - started
        metrics.upsertLatency(elapsed)
        var metadata: Logger.Metadata = [
            "event_id": "\(event.eventID)", "resource": "\(event.resource.rawValue)", "external_id": "\(event.externalID)",
            "outcome": "\(outcome)", "duration_ms": "\(elapsed.milliseconds)",
        ]
        if let hipcallID { metadata["hipcall_id"] = "\(hipcallID)" }
        logger.info("event synced", metadata: metadata)
    }

    /// Moves a failed delivery to a retry queue or the dead-letter queue, then acks it. When the
    /// copy cannot be confirmed, the delivery goes back to the work queue instead: never lost.
    private func settleFailure(
        _ delivery: AMQPDelivery, headers: DeliveryHeaders, event: SyncEvent?, failure: SyncFailure, partition: Int?,
        started: ContinuousClock.Instant
    ) async {
        let routingKey = headers.routingKey
        // Bounded (at most DeliveryHeaders.maxAttempts), so + 1 cannot overflow.
        let attempts = headers.attempts + 1
        let decision = retryPolicy.decide(attempts: attempts, failure: failure)
        let now = Date()
        let firstFailedAt = headers.firstFailedAt ?? now
        var properties = delivery.properties
        for (name, value) in SyncHeaders.failureHeaders(for: failure, attempts: attempts, firstFailedAt: firstFailedAt, lastFailedAt: now) {
            properties.headers[name] = .string(value)
        }
        properties.headers[SyncHeaders.originalRoutingKey] = .string(routingKey)
        properties.headers[SyncHeaders.death] = nil
        if properties.deliveryMode == nil { properties.deliveryMode = 2 }
        let outcome: String
        let exchange: String
        let targetKey: String
        switch decision {
        case .retry(_, let queueIndex):
            (outcome, exchange, targetKey) = ("retried", "", topology.retryQueue(queueIndex, partition: partition))
        case .deadLetter:
            if journal != nil, let company = event?.companyKey, failure == RecordWriter.companyMissing(company) {
                // Not the event's fault: it waits for its company, and is replayed once the journal says that
                // is synced (the guide's loop keeps no journal: its contacts are dead-lettered as before).
                properties.headers[SyncHeaders.waitingFor] = .string(
                    SyncTopology.keyHeaderValue(resource: company.resource.rawValue, externalID: company.externalID))
                (outcome, exchange, targetKey) = ("waiting", "", topology.waitingQueue)
            } else {
                (outcome, exchange, targetKey) = ("dead_lettered", topology.deadLetterExchange, routingKey)
            }
        }
        var metadata: Logger.Metadata = [
            "outcome": "\(outcome)", "error_class": "\(failure.errorClass)", "error": "\(failure.message.prefix(300))",
            "attempts": "\(attempts)", "routing_key": "\(routingKey)",
            "event_id": "\(event?.eventID ?? delivery.properties.messageID ?? "unknown")",
        ]
        if let event { metadata["external_id"] = "\(event.externalID)" }
        if let status = failure.status { metadata["status"] = "\(status)" }
        do {
            _ = try await publisher.publish(exchange: exchange, routingKey: targetKey, body: delivery.body, properties: properties)
            try delivery.ack()
            metrics.event(outcome, resource: event?.resource.rawValue ?? "unknown")
            logger.warning("event not synced", metadata: metadata)
        } catch {
            metadata["publish_error"] = "\(error)"
            logger.error("could not move the event; returning it to the queue", metadata: metadata)
            try? delivery.nack(requeue: true)
        }
    }

    /// Counts and logs (at debug, without values) the headers of `delivery` that were not used.
    private func report(_ ignored: [IgnoredHeader], of delivery: AMQPDelivery) {
        for header in ignored {
            metrics.headerIgnored(header.header, reason: header.problem.rawValue)
            logger.debug(
                "header ignored",
                metadata: [
                    "header": "\(header.header)", "reason": "\(header.problem.rawValue)",
                    "message_id": "\(delivery.properties.messageID?.prefix(200) ?? "unknown")",
                ])
        }
    }

    /// Appends the applied change to the journal, so that every worker learns the id, the record's
    /// fingerprint and that older events for the record are stale. Failing that, the event is still
    /// acked (it is in Hipcall); the fleet's stale check misses this change, and other workers keep
    /// the fingerprint they had.
    private func record(_ result: UpsertResult, of event: SyncEvent) async {
        guard let journal else { return }
        do {
            try await journal.append(JournalEntry(event: event, hipcallID: result.hipcallID, fingerprint: result.fingerprint))
        } catch {
            logger.warning("could not append to the journal", metadata: ["event_id": "\(event.eventID)", "error": "\(error)"])
        }
    }

    /// Publishes `company.synced` / `contact.synced` so the CRM can store Hipcall's id.
    private func announce(_ result: UpsertResult, of event: SyncEvent) async {
        guard result.learnedID else { return }
        let notice: JSONValue = .object([
            "external_id": .string(event.externalID), "hipcall_id": .int(result.hipcallID), "event_id": .string(event.eventID),
            "action": .string(result.action.rawValue),
        ])
        let routingKey = RoutingKeys.synced(event.resource)
        do {
            _ = try await publisher.publish(
                exchange: topology.syncedExchange, routingKey: routingKey, body: Array(notice.jsonText.utf8),
                properties: AMQPProperties(contentType: "application/json", persistent: true, messageID: event.eventID))
        } catch let error as AMQPError where error.kind == .returned {
            // Nobody subscribes to synced notices: fine.
        } catch {
            logger.warning("could not publish the synced notice", metadata: ["event_id": "\(event.eventID)", "error": "\(error)"])
        }
    }

    /// Pauses consumption for a failure that is the setup's fault (the token, the base URL), not the
    /// event's; the prober opens the gate again once Hipcall answers properly.
    private func pause(for failure: SyncFailure) {
        if let reason = failure.pauseReason { pauses.pause(reason) }
    }
}

/// Carries the upsert result out of the coalescer's closure.
final class ResultBox: @unchecked Sendable {
    /// Written once inside the keyed lock, read after `submit` returns.
    var result: UpsertResult?
}
