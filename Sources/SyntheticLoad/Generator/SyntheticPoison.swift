import HipcallJSON
import HipcallSync
/// The kinds of intentionally invalid events a fault drill publishes; the worker must dead-letter each one.
public enum SyntheticPoison: String, Sendable, CaseIterable {
    case malformedJSON = "malformed_json"
    case binaryGarbage = "binary_garbage"
    case oversizedBody = "oversized_body"
    case missingExternalID = "missing_external_id"
    case mistypedField = "mistyped_field"
    case longExternalID = "long_external_id"
    case emptyExternalID = "empty_external_id"
    case unknownRoutingKey = "unknown_routing_key"
    case badTimestamp = "bad_timestamp"

    /// Bytes past the worker's 256 KiB cap that an oversized body carries.
    static let oversizedBodyBytes = 256 * 1024 + 1024

    /// The `number`-th poison event of this kind, dated `occurredAt`, with event id `eventID`.
    func event(number: Int, eventID: String, occurredAt: String, random: inout SyntheticRandom) -> OutgoingEvent {
        let isContact = number % 2 == 1
        let routingKey = isContact ? RoutingKeys.contactChanged : RoutingKeys.companyChanged
        let resource = isContact ? "contacts" : "companies"
        let nameField: StaticString = isContact ? "first_name" : "name"
        var externalID = "BAD-\(number + 1)"
        var writer = JSONWriter()
        /// Writes a whole event whose parts are overridden by the poison kind.
        func write(externalID: String?, occurredAt: String, data: (inout JSONWriter) -> Void) {
            writer.raw("{")
            writer.key("event_id")
            writer.string(eventID)
            writer.raw(",")
            writer.key("occurred_at")
            writer.string(occurredAt)
            if let externalID {
                writer.raw(",")
                writer.key("external_id")
                writer.string(externalID)
            }
            writer.raw(",")
            writer.key("data")
            writer.raw("{")
            data(&writer)
            writer.raw("}}")
        }
        let plainName: (inout JSONWriter) -> Void = {
            $0.key(nameField)
            $0.string("Poison \(number + 1)")
        }
        switch self {
        case .malformedJSON:
            write(externalID: externalID, occurredAt: occurredAt, data: plainName)
            writer.truncate(to: writer.bytes.count - 4)
        case .binaryGarbage:
            var bytes: [UInt8] = [0xFF, 0xFE, 0x00]
            for _ in 0..<45 { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
            return OutgoingEvent(routingKey: routingKey, body: bytes, messageID: eventID, partitionKey: "\(resource):")
        case .oversizedBody:
            write(externalID: externalID, occurredAt: occurredAt) {
                plainName(&$0)
                $0.raw(",")
                $0.key(isContact ? "job_title" : "description")
                $0.string(String(repeating: "x", count: Self.oversizedBodyBytes))
            }
        case .missingExternalID:
            write(externalID: nil, occurredAt: occurredAt, data: plainName)
            externalID = ""
        case .mistypedField:
            write(externalID: externalID, occurredAt: occurredAt) {
                if number % 4 < 2 {
                    $0.key(nameField)
                    $0.raw("42")
                } else {
                    plainName(&$0)
                    $0.raw(",")
                    $0.key("phones")
                    $0.string("+442079460000")
                }
            }
        case .longExternalID:
            externalID = String(repeating: "L", count: ExternalID.maxLength + 1)
            write(externalID: externalID, occurredAt: occurredAt, data: plainName)
        case .emptyExternalID:
            externalID = "   "
            write(externalID: externalID, occurredAt: occurredAt, data: plainName)
        case .unknownRoutingKey:
            write(externalID: externalID, occurredAt: occurredAt, data: plainName)
            return OutgoingEvent(
                routingKey: routingKey, body: writer.bytes, messageID: eventID, partitionKey: "\(resource):\(externalID)",
                declaredRoutingKey: "deal.changed")
        case .badTimestamp:
            write(externalID: externalID, occurredAt: number % 4 < 2 ? "2026-02-30T25:61:00Z" : "yesterday", data: plainName)
        }
        return OutgoingEvent(routingKey: routingKey, body: writer.bytes, messageID: eventID, partitionKey: "\(resource):\(externalID)")
    }
}
