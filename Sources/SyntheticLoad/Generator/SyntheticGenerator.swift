import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// Synthetic CRM events for load tests and fault drills: valid companies and contacts, duplicates,
/// shuffled `occurred_at` and poison events, all reproducible from the configuration's seed.
public struct SyntheticGenerator: Sendable, RandomAccessCollection {
    public let configuration: SyntheticConfiguration
    private let plan: SyntheticPlan
    private let records: SyntheticRecords

    public init(_ configuration: SyntheticConfiguration) {
        self.configuration = configuration
        plan = SyntheticPlan(configuration)
        records = SyntheticRecords(seed: configuration.seed, companyCount: plan.companyCount)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { plan.entries.count }

    /// The message published at `position`.
    public subscript(position: Int) -> OutgoingEvent {
        switch plan.entries[position] {
        case .valid(let slot), .duplicate(let slot): return event(slot: Int(slot))
        case .invalid(let number):
            let number = Int(number)
            var random = SyntheticRandom(seed: configuration.seed, 6, UInt64(number))
            let kind = SyntheticPoison.allCases[number % SyntheticPoison.allCases.count]
            return kind.event(
                number: number, eventID: Self.uuid(&random), occurredAt: timestamp(slot: position),
                random: &random)
        }
    }

    /// The state every key should reach once the newest event (by `occurred_at`) of each is applied.
    public func expectedState() -> ExpectedState {
        var newest: [SyncKey: Int] = [:]
        for (index, slot) in plan.slots.enumerated() {
            let key = self.key(slot)
            if let known = newest[key], occurredAt(slot: known) > occurredAt(slot: index) { continue }
            newest[key] = index
        }
        var state = ExpectedState()
        for (key, index) in newest {
            state.record(key, occurredAt: occurredAt(slot: index), data: Dictionary(uniqueKeysWithValues: data(plan.slots[index])))
        }
        state.invalid = configuration.invalidCount
        return state
    }

    private func key(_ slot: SyntheticPlan.Slot) -> SyncKey {
        slot.isContact
            ? SyncKey(resource: .contacts, externalID: String(SyntheticRecords.contactExternalID(Int(slot.key))))
            : SyncKey(resource: .companies, externalID: SyntheticRecords.companyExternalID(Int(slot.key)))
    }

    private func data(_ slot: SyntheticPlan.Slot) -> [(key: String, value: JSONValue)] {
        slot.isContact
            ? records.contact(Int(slot.key), version: Int(slot.version))
            : records.company(Int(slot.key), version: Int(slot.version))
    }

    private func occurredAt(slot: Int) -> Date {
        Date(timeIntervalSince1970: Double(configuration.startMilliseconds + Int64(slot)) / 1000)
    }

    private func timestamp(slot: Int) -> String {
        UTCTimestamp.format(milliseconds: configuration.startMilliseconds + Int64(slot))
    }

    /// Renders fresh valid event `index` (a duplicate renders the same bytes again).
    private func event(slot index: Int) -> OutgoingEvent {
        let slot = plan.slots[index]
        var random = SyntheticRandom(seed: configuration.seed, 5, UInt64(index))
        let eventID = Self.uuid(&random)
        let key = self.key(slot)
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("event_id")
        writer.string(eventID)
        writer.raw(",")
        writer.key("occurred_at")
        writer.string(timestamp(slot: index))
        writer.raw(",")
        writer.key("external_id")
        // Contacts' numeric CRM ids go out as JSON integers half of the time, as the contract allows.
        if slot.isContact && random.chance(0.5) {
            writer.value(.int(SyntheticRecords.contactExternalID(Int(slot.key))))
        } else {
            writer.string(key.externalID)
        }
        writer.raw(",")
        writer.key("data")
        writer.object(data(slot))
        writer.raw("}")
        return OutgoingEvent(
            routingKey: slot.isContact ? RoutingKeys.contactChanged : RoutingKeys.companyChanged, body: writer.bytes, messageID: eventID,
            partitionKey: SyncTopology.keyHeaderValue(resource: key.resource.rawValue, externalID: key.externalID))
    }

    /// A version-4-shaped UUID from the generator, lowercase.
    static func uuid(_ random: inout SyntheticRandom) -> String {
        let high = random.next() & ~0xF000 | 0x4000
        let low = random.next() & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        var bytes: [UInt8] = []
        bytes.reserveCapacity(36)
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { bytes.append(UInt8(ascii: "-")) }
            let word = nibble < 16 ? high : low
            bytes.append(hexDigits[Int(word >> (60 - 4 * UInt64(nibble % 16)) & 0xF)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
