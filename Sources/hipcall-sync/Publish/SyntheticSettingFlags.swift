import SyntheticLoad

/// The `publish` flag of each synthetic-run setting.
extension SyntheticSetting {
    var flag: String {
        switch self {
        case .count: "--count"
        case .keys: "--keys"
        case .updatesPerKey: "--updates-per-key"
        case .contactsRatio: "--contacts-ratio"
        case .duplicateRatio: "--duplicate-ratio"
        case .invalidRatio: "--invalid-ratio"
        }
    }
}

extension SyntheticConfigurationError {
    /// The error worded with `publish`'s flags, as the command line reports it (exit 64).
    var commandLineMessage: String {
        let name = SettingName(flag: setting.flag)
        switch reason {
        case .integerOutOfRange(let value, let range):
            return SettingError(name, value: String(value), reason: "is not a whole number between \(range.lowerBound) and \(range.upperBound)")
                .description
        case .ratioOutOfRange(let value, let range):
            return SettingError(name, value: "\(value)", reason: "is not a number between \(Int(range.lowerBound)) and \(Int(range.upperBound))")
                .description
        case .faultSharesTooLarge(let most):
            return "--duplicate-ratio plus --invalid-ratio must be at most \(most)"
        case .overdetermined:
            return "give at most two of --count, --keys and --updates-per-key"
        case .noValidEvent:
            return "--count leaves no valid event after duplicates and invalid ones"
        case .moreKeysThanValidEvents(let keys, let valid):
            return "--keys: \(keys) keys need at least as many valid events; there are \(valid)"
        }
    }
}
