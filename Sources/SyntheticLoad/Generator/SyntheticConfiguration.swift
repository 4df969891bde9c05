import Foundation
import HipcallJSON

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

    /// Milliseconds since the Unix epoch of an RFC 3339 timestamp, or nil when it is not one.
    public static func milliseconds(rfc3339 text: String) -> Int64? {
        RFC3339.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    /// How many invalid events `count` holds.
    public var invalidCount: Int { Int((Double(count) * invalidRatio).rounded()) }
    /// How many duplicates `count` holds.
    public var duplicateCount: Int { Int((Double(count) * duplicateRatio).rounded()) }
    /// How many fresh valid events `count` holds.
    public var validCount: Int { count - invalidCount - duplicateCount }

    /// The event counts a run may have.
    public static let countRange = 1...100_000_000
    /// The key counts a run may have.
    public static let keysRange = 1...100_000_000
    /// The valid events per key a run may have.
    public static let updatesPerKeyRange = 1...1_000_000
    /// The range of every share (contacts, duplicates, invalid events).
    public static let ratioRange = 0.0...1.0
    /// The largest share duplicates and invalid events may take together: the event count is
    /// divided by the share of fresh events, which must not vanish.
    public static let maxFaultShare = 0.99

    /// Checks a run's settings and fills in whichever of count, keys and updates per key is missing
    /// (at most two may be given; with none, 1,000 events, one per key). The one place a synthetic
    /// run's settings are validated.
    public static func shape(
        count: Int?, keys: Int?, updatesPerKey: Int?, contactsRatio: Double = 0.5, duplicateRatio: Double, invalidRatio: Double
    ) throws(SyntheticConfigurationError) -> (count: Int, keys: Int) {
        for (setting, value, range) in [
            (SyntheticSetting.count, count, countRange), (.keys, keys, keysRange), (.updatesPerKey, updatesPerKey, updatesPerKeyRange),
        ] {
            if let value, !range.contains(value) { throw SyntheticConfigurationError(setting, .integerOutOfRange(value, range)) }
        }
        for (setting, value) in [
            (SyntheticSetting.duplicateRatio, duplicateRatio), (.invalidRatio, invalidRatio), (.contactsRatio, contactsRatio),
        ] where !(value.isFinite && ratioRange.contains(value)) {
            throw SyntheticConfigurationError(setting, .ratioOutOfRange(value, ratioRange))
        }
        guard duplicateRatio + invalidRatio <= maxFaultShare else {
            throw SyntheticConfigurationError(.duplicateRatio, .faultSharesTooLarge(most: maxFaultShare))
        }
        if count != nil, keys != nil, updatesPerKey != nil {
            throw SyntheticConfigurationError(.updatesPerKey, .overdetermined)
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
        guard valid >= 1 else { throw SyntheticConfigurationError(.count, .noValidEvent) }
        let resolvedKeys = keys ?? max(1, Int((Double(valid) / Double(updatesPerKey ?? 1)).rounded(.up)))
        guard resolvedKeys <= valid else {
            throw SyntheticConfigurationError(.keys, .moreKeysThanValidEvents(keys: resolvedKeys, valid: valid))
        }
        return (total, resolvedKeys)
    }
}
