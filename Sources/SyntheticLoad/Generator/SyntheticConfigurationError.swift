/// A setting of a synthetic run, as ``SyntheticConfiguration/shape(count:keys:updatesPerKey:contactsRatio:duplicateRatio:invalidRatio:)`` takes it.
public enum SyntheticSetting: String, Sendable, CaseIterable {
    case count
    case keys
    case updatesPerKey
    case contactsRatio
    case duplicateRatio
    case invalidRatio
}

/// A synthetic-run setting that cannot work: the setting at fault and why. Callers word it
/// with their own names for the settings (the command line with its flags).
public struct SyntheticConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the setting cannot work.
    public enum Reason: Sendable, Equatable {
        /// A whole number outside the range it may take.
        case integerOutOfRange(Int, ClosedRange<Int>)
        /// A share that is not a finite number in its range.
        case ratioOutOfRange(Double, ClosedRange<Double>)
        /// The duplicate and invalid shares together exceed `most`.
        case faultSharesTooLarge(most: Double)
        /// Count, keys and updates per key were all given: at most two may be.
        case overdetermined
        /// Duplicates and invalid events leave no valid event.
        case noValidEvent
        /// More keys than valid events, so some key would have no event.
        case moreKeysThanValidEvents(keys: Int, valid: Int)
    }

    public let setting: SyntheticSetting
    public let reason: Reason

    public init(_ setting: SyntheticSetting, _ reason: Reason) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "\(setting.rawValue): \(reason)" }
}
