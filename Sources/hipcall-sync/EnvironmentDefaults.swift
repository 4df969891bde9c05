import ArgumentParser
import Foundation

/// Resolves an option from its flag, then its environment variable, then its default, and says
/// which variable was wrong when one does not parse.
enum EnvironmentDefaults {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static func string(_ flag: String?, _ variable: String, default fallback: String) -> String {
        flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    static func int(_ flag: Int?, _ variable: String, default fallback: Int) throws -> Int {
        if let flag { return flag }
        guard let text = environment[variable], !text.isEmpty else { return fallback }
        guard let value = Int(text) else { throw ValidationError("\(variable)=\(text) is not a whole number") }
        return value
    }

    /// Parses durations such as `500ms`, `5s`, `2m`, `1h` (a bare number is seconds).
    static func duration(_ text: String, name: String) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            if let number = Double(trimmed.dropLast(suffix.count)), number >= 0 {
                return .milliseconds(Int64(number * seconds * 1000))
            }
        }
        if let number = Double(trimmed), number >= 0 { return .milliseconds(Int64(number * 1000)) }
        throw ValidationError("\(name): '\(text)' is not a duration such as 500ms, 5s, 2m or 1h")
    }

    /// Parses a comma-separated list of durations.
    static func durations(_ text: String, name: String) throws -> [Duration] {
        let parts = text.split(separator: ",")
        guard !parts.isEmpty else { throw ValidationError("\(name) needs at least one duration") }
        return try parts.map { try duration(String($0), name: name) }
    }
}
