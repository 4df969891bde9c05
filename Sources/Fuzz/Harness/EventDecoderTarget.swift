import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// The worker's event decoder on a routing key (picked by the first byte) and a body (the rest
/// of the input). It must reject or accept, never trap; an accepted event matches its routing
/// key, names a non-empty external id, is not further ahead than the clock skew allows, and its
/// data (what is sent to Hipcall) writes back to JSON that parses to the same value.
package enum EventDecoderTarget: FuzzTarget {
    package static let name = "EventDecoder"

    /// The routing keys the first byte picks from: both event kinds, an unknown one and the empty one.
    static let routingKeys = RoutingKeys.events + ["deal.changed", ""]
    /// The worker's clock during the run, so results do not depend on when it runs.
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    /// The clock skew the worker allows by default (`--max-clock-skew 1h`).
    static let maxClockSkewSeconds: Int64 = 3600

    package static func check(_ input: [UInt8]) -> FuzzFinding? {
        guard let selector = input.first else { return nil }
        let routingKey = routingKeys[Int(selector) % routingKeys.count]
        let decoder = EventDecoder(maxClockSkew: .seconds(maxClockSkewSeconds))
        let event: SyncEvent
        do {
            event = try decoder.decode(routingKey: routingKey, body: Array(input.dropFirst()), now: now)
        } catch {
            guard error.message.utf8.count <= EventRejection.maxMessageBytes else {
                return finding("rejection message bounded", "\(error.message.utf8.count) bytes")
            }
            return nil
        }
        guard RoutingKeys.resource(ofEvent: routingKey) == event.resource else {
            return finding("resource from routing key", "\(routingKey) decoded as \(event.resource)")
        }
        guard !event.externalID.isEmpty else {
            return finding("external id present", "empty external id accepted")
        }
        guard event.occurredAt <= now.addingTimeInterval(TimeInterval(maxClockSkewSeconds)) else {
            return finding("clock skew bound", "occurred_at \(event.occurredAt) accepted at \(now)")
        }
        let data = JSONValue.object(event.data)
        let written = data.jsonText
        guard StrictJSON.parse(Array(written.utf8)) == data else {
            return finding("data written as parsed", written.prefix(200).debugDescription)
        }
        return nil
    }
}
