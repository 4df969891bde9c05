import Foundation
import HipcallJSON
import HipcallSync

/// What a synthetic run looks like: how many events, over how many keys, with which faults.
public struct SyntheticConfiguration: Sendable, Equatable {
    /// Every message published: fresh valid events, duplicates and invalid ones.
    public var count: Int
    /// Distinct external ids (companies and contacts together).
    public var keys: Int
    /// Share of the keys that are contacts.
    public var contactsRatio: Double
    /// Share of `count` that re-publishes an earlier event unchanged (same event id).
    public var duplicateRatio: Double
    /// Share of `count` that is intentionally invalid.
    public var invalidRatio: Double
    /// Publish in an order unrelated to `occurred_at` (so contacts may come before their companies).
    public var outOfOrder: Bool
    public var seed: UInt64
    /// The `occurred_at` of the oldest event, in milliseconds since the Unix epoch; later ones follow 1 ms apart.
    public var startMilliseconds: Int64

    public init(
        count: Int, keys: Int, contactsRatio: Double = 0.5, duplicateRatio: Double = 0, invalidRatio: Double = 0,
        outOfOrder: Bool = false, seed: UInt64, startMilliseconds: Int64
    ) {
        self.count = count
        self.keys = keys
        self.contactsRatio = contactsRatio
        self.duplicateRatio = duplicateRatio
        self.invalidRatio = invalidRatio
        self.outOfOrder = outOfOrder
        self.seed = seed
        self.startMilliseconds = startMilliseconds
    }

    /// Milliseconds since the Unix epoch of an RFC 3339 timestamp (for `--start-time`), or nil when it is not one.
    public static func milliseconds(rfc3339 text: String) -> Int64? {
        RFC3339.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// How many invalid events `count` holds.
    public var invalidCount: Int { Int((Double(count) * invalidRatio).rounded()) }
    /// How many duplicates `count` holds.
    public var duplicateCount: Int { Int((Double(count) * duplicateRatio).rounded()) }
    /// How many fresh valid events `count` holds.
    public var validCount: Int { count - invalidCount - duplicateCount }

    /// Fills in whichever of count, keys and updates per key is missing (at most two may be given;
    /// with none, 1,000 events, one per key), and checks the result.
    public static func shape(
        count: Int?, keys: Int?, updatesPerKey: Int?, duplicateRatio: Double, invalidRatio: Double
    ) throws(SyntheticConfigurationError) -> (count: Int, keys: Int) {
        for (name, ratio) in [("--duplicate-ratio", duplicateRatio), ("--invalid-ratio", invalidRatio)] where !(0...1).contains(ratio) {
            throw SyntheticConfigurationError(field: name, message: "must be between 0 and 1")
        }
        guard duplicateRatio + invalidRatio < 1 else {
            throw SyntheticConfigurationError(field: "--duplicate-ratio", message: "plus --invalid-ratio must stay below 1")
        }
        if let count, count < 1 { throw SyntheticConfigurationError(field: "--count", message: "must be at least 1") }
        if let keys, keys < 1 { throw SyntheticConfigurationError(field: "--keys", message: "must be at least 1") }
        if let updatesPerKey, updatesPerKey < 1 {
            throw SyntheticConfigurationError(field: "--updates-per-key", message: "must be at least 1")
        }
        if count != nil, keys != nil, updatesPerKey != nil {
            throw SyntheticConfigurationError(field: "--updates-per-key", message: "give at most two of --count, --keys and --updates-per-key")
        }
        let freshShare = 1 - duplicateRatio - invalidRatio
        let total: Int
        if let count {
            total = count
        } else if let keys {
            total = Int((Double(keys * (updatesPerKey ?? 1)) / freshShare).rounded(.up))
        } else {
            total = 1000
        }
        let valid = SyntheticConfiguration(
            count: total, keys: 1, duplicateRatio: duplicateRatio, invalidRatio: invalidRatio, seed: 0, startMilliseconds: 0
        ).validCount
        guard valid >= 1 else { throw SyntheticConfigurationError(field: "--count", message: "leaves no valid event after duplicates and invalid ones") }
        let resolvedKeys = keys ?? max(1, Int((Double(valid) / Double(updatesPerKey ?? 1)).rounded(.up)))
        guard resolvedKeys <= valid else {
            throw SyntheticConfigurationError(field: "--keys", message: "\(resolvedKeys) keys need at least as many valid events; there are \(valid)")
        }
        return (total, resolvedKeys)
    }
}

/// A synthetic-run setting that cannot work, naming the flag at fault.
public struct SyntheticConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public var description: String { "\(field) \(message)" }
}

/// The order of a synthetic run, computed up front in a few bytes per event; bodies are rendered on demand.
struct SyntheticPlan: Sendable {
    /// A fresh valid event: a version of one key. Its index in ``slots`` is its time order.
    struct Slot: Sendable {
        let isContact: Bool
        let key: Int32
        let version: Int32
    }

    /// One published message.
    enum Entry: Sendable {
        case valid(slot: Int32)
        case duplicate(slot: Int32)
        case invalid(number: Int32)
    }

    let companyCount: Int
    let contactCount: Int
    /// Fresh valid events in `occurred_at` order.
    let slots: [Slot]
    /// Every message in publish order.
    let entries: [Entry]

    init(_ configuration: SyntheticConfiguration) {
        var random = SyntheticRandom(seed: configuration.seed, 0)
        contactCount = Int((Double(configuration.keys) * configuration.contactsRatio).rounded())
        companyCount = configuration.keys - contactCount
        slots = Self.slots(
            companies: companyCount, contacts: contactCount, valid: configuration.validCount, random: &random)

        var validOrder = Array(Int32(0)..<Int32(slots.count))
        if configuration.outOfOrder { validOrder.shuffle(using: &random) }
        var kinds = [UInt8](repeating: 0, count: configuration.validCount)
        kinds += [UInt8](repeating: 1, count: configuration.duplicateCount)
        kinds += [UInt8](repeating: 2, count: configuration.invalidCount)
        kinds.shuffle(using: &random)
        // A duplicate needs an earlier valid event: swap the first valid one ahead of every duplicate.
        if let firstValid = kinds.firstIndex(of: 0), let firstDuplicate = kinds.firstIndex(of: 1), firstDuplicate < firstValid {
            kinds.swapAt(firstValid, firstDuplicate)
        }
        var entries: [Entry] = []
        entries.reserveCapacity(kinds.count)
        var published = 0
        var invalid: Int32 = 0
        for kind in kinds {
            switch kind {
            case 0:
                entries.append(.valid(slot: validOrder[published]))
                published += 1
            case 1:
                entries.append(.duplicate(slot: validOrder[random.index(published)]))
            default:
                entries.append(.invalid(number: invalid))
                invalid += 1
            }
        }
        self.entries = entries
    }

    /// Spreads `valid` events over the keys in rounds: each round publishes the next version of every key
    /// that has one, companies (shuffled) before contacts (shuffled).
    private static func slots(companies: Int, contacts: Int, valid: Int, random: inout SyntheticRandom) -> [Slot] {
        let keys = companies + contacts
        let perKey = valid / keys
        let extra = valid % keys
        // Key i (companies first) gets `perKey` versions, one more when i < extra.
        func versions(_ key: Int) -> Int { perKey + (key < extra ? 1 : 0) }
        var slots: [Slot] = []
        slots.reserveCapacity(valid)
        var round = 0
        while slots.count < valid {
            var companyKeys = (0..<companies).filter { versions($0) > round }
            var contactKeys = (0..<contacts).filter { versions(companies + $0) > round }
            companyKeys.shuffle(using: &random)
            contactKeys.shuffle(using: &random)
            slots += companyKeys.map { Slot(isContact: false, key: Int32($0), version: Int32(round)) }
            slots += contactKeys.map { Slot(isContact: true, key: Int32($0), version: Int32(round)) }
            round += 1
        }
        return slots
    }
}
