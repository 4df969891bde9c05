import AMQPClient

/// The headers of a message sent back to the events exchange after it failed (by the dead-letter
/// tools, or by the fleet once what it waited for arrived): the failure headers go, everything that
/// routes it stays, so that in the partitioned mode it lands in its key's partition.
public enum ReplayHeaders {
    /// Whether `name` describes a failure rather than the event: the worker's failure headers
    /// (``SyncHeaders/failureNames``), the loop guard's parking headers, and RabbitMQ's
    /// dead-lettering and delivery-count headers.
    public static func isFailureHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return SyncHeaders.failureNames.contains(lowered) || lowered == SyncHeaders.parkedReason || lowered == SyncHeaders.parkedAt
            || lowered == SyncHeaders.death || lowered.hasPrefix(SyncHeaders.firstDeathPrefix)
            || lowered.hasPrefix(SyncHeaders.lastDeathPrefix) || lowered == SyncHeaders.deliveryCount
    }

    /// `original` without the failure headers; with `x-hipcall-key`, when absent, computed from
    /// the body as the publisher sets it (a body the worker's decoder refuses stays unkeyed); and,
    /// when `replays` is given (the replays before this one), `x-hipcall-replays` counting this one.
    public static func properties(replaying original: AMQPProperties, routingKey: String, body: [UInt8], replays: Int?) -> AMQPProperties {
        var properties = original
        properties.headers = properties.headers.filter { !isFailureHeader($0.key) }
        if properties.headers[SyncHeaders.key] == nil, let event = try? EventDecoder().decode(routingKey: routingKey, body: body) {
            properties.headers[SyncHeaders.key] = .string(
                SyncTopology.keyHeaderValue(resource: event.resource.rawValue, externalID: event.externalID))
        }
        if let replays { properties.headers[SyncHeaders.replays] = .string(String(replays + 1)) }
        return properties
    }
}
