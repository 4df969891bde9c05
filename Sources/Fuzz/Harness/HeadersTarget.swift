import AMQPClient
import CRabbitMQ
import Foundation
import HipcallSync

/// Header and property decoding as a delivery goes through it: the input after its first byte
/// is decoded by librabbitmq both as a basic content header's property list and as a bare field
/// table, copied into Swift (``AMQPProperties``, ``AMQPTable``), and read by the worker
/// (`DeliveryHeaders`, `x-death`, the published-at stamp). The first byte picks the exchange
/// (the default one, where retries come back, or `crm.events`) and the routing key. Nothing may
/// trap; attempts stay within the worker's bound and are 0 on a message a publisher sent to
/// `crm.events`; a publish time is positive and a latency never negative.
package enum HeadersTarget: FuzzTarget {
    package static let name = "Headers"

    static let topology = SyncTopology(partitions: 2)
    static let exchanges = ["", topology.eventsExchange]
    static let routingKeys = [topology.workQueue, topology.partitionQueue(1), RoutingKeys.companyChanged, RoutingKeys.contactChanged]
    /// A fixed clock, so results do not depend on when the input runs.
    static let now = Date(timeIntervalSince1970: 1_780_000_000)

    package static func check(_ input: [UInt8]) -> FuzzFinding? {
        guard let selector = input.first else { return nil }
        let exchange = exchanges[Int(selector & 1)]
        let routingKey = routingKeys[Int(selector >> 1) % routingKeys.count]
        var pool = amqp_pool_t()
        init_amqp_pool(&pool, 4096)
        defer { empty_amqp_pool(&pool) }
        var payload = Array(input.dropFirst())
        return payload.withUnsafeMutableBytes { raw -> FuzzFinding? in
            let encoded = amqp_bytes_t(len: raw.count, bytes: raw.baseAddress)
            var decoded: UnsafeMutableRawPointer?
            if amqp_decode_properties(UInt16(AMQP_BASIC_CLASS), &pool, encoded, &decoded) == 0, let decoded {
                let properties = AMQPProperties(copying: decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
                if let found = read(properties.headers, timestamp: properties.timestamp, exchange: exchange, routingKey: routingKey) {
                    return found
                }
            }
            var table = amqp_table_t()
            var offset = 0
            guard amqp_decode_table(encoded, &pool, &table, &offset) == 0 else { return nil }
            return read(AMQPTable(copying: table), timestamp: nil, exchange: exchange, routingKey: routingKey)
        }
    }

    /// Reads `headers` as the worker does and checks what it promises.
    private static func read(_ headers: AMQPTable, timestamp: UInt64?, exchange: String, routingKey: String) -> FuzzFinding? {
        let read = DeliveryHeaders(
            headers: headers, timestamp: timestamp, exchange: exchange, routingKey: routingKey, topology: topology)
        guard (0...DeliveryHeaders.maxAttempts).contains(Int64(read.attempts)) else {
            return finding("attempts bounded", "\(read.attempts)")
        }
        if !exchange.isEmpty, read.attempts != 0 {
            return finding("published attempts untrusted", "\(read.attempts) attempts from \(exchange)")
        }
        if let publishedAt = read.publishedAt, publishedAt <= 0 {
            return finding("publish time positive", "\(publishedAt)")
        }
        if let latency = PublishedAt.latency(headers: headers, timestamp: timestamp, now: now), latency < .zero {
            return finding("latency not negative", "\(latency)")
        }
        let deaths = AMQPDeathRecord.decode(from: headers)
        if deaths.count > (headers[AMQPDeathRecord.header]?.arrayValue?.count ?? 0) {
            return finding("x-death records", "\(deaths.count) records from a shorter array")
        }
        return nil
    }
}
