import ArgumentParser
import Foundation
import HipcallSync

/// Resolves an option from its flag, then its environment variable, then its default, and checks
/// it with ``SettingParser``: a bad value becomes a `ValidationError` (exit 64) naming the flag and
/// the variable.
enum EnvironmentDefaults {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The flag, else the variable when it is set and not empty, else the default.
    static func string(_ flag: String?, _ variable: String, default fallback: String) -> String {
        flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    /// A whole number in `range` from the flag, the variable or the default.
    static func int(_ flag: Int?, _ setting: SettingName, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        try checked {
            if let flag { return try SettingParser.integer(flag, setting, in: range) }
            guard let text = variableText(setting) else { return fallback }
            return try SettingParser.integer(text, setting, in: range)
        }
    }

    /// A duration in `range` from the flag, the variable or the default text.
    static func duration(_ flag: String?, _ setting: SettingName, default fallback: String, in range: ClosedRange<Duration>) throws -> Duration {
        try checked { try SettingParser.duration(flag ?? variableText(setting) ?? fallback, setting, in: range) }
    }

    /// A broker object name (or prefix) of at most `maxBytes` bytes from the flag, the variable or the default.
    static func name(_ flag: String?, _ setting: SettingName, default fallback: String, maxBytes: Int = 255) throws -> String {
        try checked { try SettingParser.name(flag ?? variableText(setting) ?? fallback, setting, maxBytes: maxBytes) }
    }

    /// Parses a duration given by a flag without a variable (`--older-than`), from none to ten years.
    static func duration(_ text: String, name: String) throws -> Duration {
        try checked { try SettingParser.duration(text, SettingName(flag: name), in: .zero ... .seconds(10 * 365 * 86_400)) }
    }

    /// The log level from the flag, the variable or `info`.
    static func logLevel(_ flag: String?, _ setting: SettingName) throws -> String {
        try checked {
            try SettingParser.choice(
                flag ?? variableText(setting) ?? "info", setting,
                among: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        }
    }

    /// The variable's text, nil when it is unset or empty.
    static func variableText(_ setting: SettingName) -> String? {
        setting.variable.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs a parse, turning its ``SettingError`` into the `ValidationError` that exits 64.
    static func checked<Value>(_ parse: () throws -> Value) throws -> Value {
        do {
            return try parse()
        } catch let error as SettingError {
            throw ValidationError(error.description)
        }
    }
}
