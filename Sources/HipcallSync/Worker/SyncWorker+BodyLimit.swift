import AMQPClient
import Logging

extension SyncWorker {
    /// The body limit of a consumer of the work queue or a partition queue: a delivery whose content
    /// header announces more than the event decoder accepts is rejected by the connection without
    /// its body being assembled, so RabbitMQ dead-letters the original bytes (`x-death` reason
    /// `rejected`; the `dead-letters` commands name it `body_too_large`). Logged and counted here.
    func bodyLimit(for queue: String) -> AMQPBodyLimit {
        let logger = logger
        let metrics = metrics
        let topology = configuration.topology
        return AMQPBodyLimit(maxBytes: handler.decoder.maxBodyBytes) { refused in
            let routingKey = DeliveryHeaders(
                headers: refused.properties.headers, timestamp: refused.properties.timestamp, exchange: refused.exchange,
                routingKey: refused.routingKey, topology: topology
            ).routingKey
            let resource = RoutingKeys.resource(ofEvent: routingKey)?.rawValue ?? "unknown"
            metrics.event("dead_lettered", resource: resource)
            metrics.bodyRefused(resource: resource)
            logger.warning(
                "event not synced: body over the size limit, dead-lettered unread",
                metadata: [
                    "outcome": "dead_lettered", "error_class": "invalid_event", "reason": "body_too_large",
                    "routing_key": "\(routingKey.prefix(255))", "event_id": "\(refused.properties.messageID?.prefix(255) ?? "unknown")",
                    "body_bytes": "\(refused.bodySize)", "limit_bytes": "\(refused.limit)", "queue": "\(queue)",
                ])
        }
    }
}
