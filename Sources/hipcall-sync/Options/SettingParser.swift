import Foundation

/// A setting an operator gives as a command-line flag or an environment variable: both names, so a
/// message about it says where to look (`--linger / WORKER_LINGER`).
public struct SettingName: Sendable, Hashable, CustomStringConvertible {
    public var flag: String
    /// The environment variable that stands in for the flag, when there is one.
    public var variable: String?

    public init(flag: String, variable: String? = nil) {
        self.flag = flag
        self.variable = variable
    }

    public var description: String { variable.map { "\(flag) / \($0)" } ?? flag }
}

/// Why a setting's value is refused: the setting, the value as given (shortened, control characters
/// escaped) and the rule it breaks. The command line exits 64 with ``description``.
public struct SettingError: Error, Sendable, Hashable, CustomStringConvertible {
    public var setting: SettingName
    public var value: String
    public var reason: String

    public init(_ setting: SettingName, value: String, reason: String) {
        self.setting = setting
        self.value = value
        self.reason = reason
    }

    public var description: String { "\(setting): '\(Self.shown(value))' \(reason)" }

    /// The value as a message may show it: at most 60 characters, control characters as `\u{…}`.
    static func shown(_ value: String) -> String {
        var text = ""
        for scalar in value.unicodeScalars.prefix(60) {
            text += scalar.properties.generalCategory == .control ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
        return value.unicodeScalars.count > 60 ? text + "…" : text
    }
}

/// Parses the text of flags and environment variables into checked values: every value is range
/// checked before it is converted, so no setting can trap (`inf`, `nan`, `1e300`, `-1`, `70000`)
/// and each refusal names the setting and the accepted range.
public enum SettingParser {
    /// A whole number in `range` (ASCII digits, an optional sign).
    public static func integer(_ text: String, _ setting: SettingName, in range: ClosedRange<Int>) throws(SettingError) -> Int {
        let trimmed = trimmed(text)
        guard let value = Int(trimmed), range.contains(value) else {
            throw SettingError(setting, value: text, reason: "is not a whole number between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// Checks a whole number that came already parsed (a typed flag) against `range`.
    public static func integer(_ value: Int, _ setting: SettingName, in range: ClosedRange<Int>) throws(SettingError) -> Int {
        try integer(String(value), setting, in: range)
    }

    /// A decimal number in `range`, written with digits and an optional fraction (no exponent, no
    /// `inf` or `nan`).
    public static func number(_ text: String, _ setting: SettingName, in range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard let value = decimal(trimmed(text)), range.contains(value) else {
            throw SettingError(setting, value: text, reason: "is not a number between \(format(range.lowerBound)) and \(format(range.upperBound))")
        }
        return value
    }

    /// Checks a number that came already parsed (a typed flag): finite and in `range`.
    public static func number(_ value: Double, _ setting: SettingName, in range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard value.isFinite, range.contains(value) else {
            throw SettingError(setting, value: "\(value)", reason: "is not a number between \(format(range.lowerBound)) and \(format(range.upperBound))")
        }
        return value
    }

    /// The units a duration may carry, longest suffix first; a bare number is seconds.
    static let durationUnits: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]

    /// A duration such as `500ms`, `5s`, `2m`, `1h`, `1d` or `1.5` (seconds), in `range`, to the microsecond.
    public static func duration(_ text: String, _ setting: SettingName, in range: ClosedRange<Duration>) throws(SettingError) -> Duration {
        let trimmed = trimmed(text)
        var number: Substring = Substring(trimmed)
        var unitSeconds = 1.0
        for unit in durationUnits where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            unitSeconds = unit.seconds
            break
        }
        let lower = range.lowerBound.timeInterval
        let upper = range.upperBound.timeInterval
        guard let value = decimal(String(number)), case let seconds = value * unitSeconds, seconds >= lower, seconds <= upper else {
            throw SettingError(
                setting, value: text,
                reason: "is not a duration between \(format(range.lowerBound)) and \(format(range.upperBound)), such as 500ms, 5s, 2m or 1h")
        }
        // In range, so at most a few years: the microseconds fit an Int64 with room to spare.
        return .microseconds(Int64((seconds * 1_000_000).rounded()))
    }

    /// A comma-separated list of `count` durations, each in `range`.
    public static func durations(
        _ text: String, _ setting: SettingName, each range: ClosedRange<Duration>, count: ClosedRange<Int>
    ) throws(SettingError) -> [Duration] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard count.contains(parts.count) else {
            throw SettingError(setting, value: text, reason: "must list between \(count.lowerBound) and \(count.upperBound) durations, comma-separated")
        }
        var durations: [Duration] = []
        for part in parts { durations.append(try duration(String(part), setting, in: range)) }
        return durations
    }

    /// One of `choices` (case-sensitive), e.g. a log level.
    public static func choice(_ text: String, _ setting: SettingName, among choices: [String]) throws(SettingError) -> String {
        let trimmed = trimmed(text)
        guard choices.contains(trimmed) else {
            throw SettingError(setting, value: text, reason: "is not one of \(choices.joined(separator: ", "))")
        }
        return trimmed
    }

    /// A broker object name (or a prefix of several): not empty, at most `maxBytes` bytes of UTF-8
    /// (AMQP's short strings hold 255), no control characters.
    public static func name(_ text: String, _ setting: SettingName, maxBytes: Int = 255) throws(SettingError) -> String {
        guard !text.isEmpty, text.utf8.count <= maxBytes,
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw SettingError(setting, value: text, reason: "must be 1 to \(maxBytes) bytes of UTF-8 without control characters")
        }
        return text
    }

    /// A duration as settings write it: `0ms`, `250ms`, `5s`, `2m`, `1h`, `7d`.
    public static func format(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        for (suffix, factor) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] as [(String, Int64)]
        where milliseconds != 0 && milliseconds % factor == 0 {
            return "\(milliseconds / factor)\(suffix)"
        }
        return "\(milliseconds)ms"
    }

    /// A bound as settings write it: `0`, `3600`, `0.001`.
    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces)
    }

    /// Digits with an optional sign and fraction (`12`, `-3`, `0.25`, `.5`); nil for anything else,
    /// exponents, `inf` and `nan` included, and for digit strings too long to be finite.
    private static func decimal(_ text: String) -> Double? {
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = parts.joined()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
