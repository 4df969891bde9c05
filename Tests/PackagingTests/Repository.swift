import Foundation
import Testing
import Yams

/// The repository the tests run from, and readers for its deployment files.
enum Repository {
    /// The package root: three levels above this file (Tests/PackagingTests/Repository.swift).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    static func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: url(relativePath).path)
    }

    static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    /// The files of a directory (not recursive) whose names end with one of `suffixes`, sorted.
    static func files(in directory: String, suffixes: [String]) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url(directory).path)
            .filter { name in suffixes.contains { name.hasSuffix($0) } }
            .sorted()
            .map { "\(directory)/\($0)" }
    }

    /// The one YAML document of a file, with every mapping as `[String: Any]`.
    static func yaml(_ relativePath: String) throws -> Any {
        let documents = try yamlDocuments(relativePath)
        guard documents.count == 1 else { throw PackagingError("\(relativePath): expected one YAML document, found \(documents.count)") }
        return documents[0]
    }

    /// Every YAML document of a file (`---` separated), with every mapping as `[String: Any]`.
    static func yamlDocuments(_ relativePath: String) throws -> [Any] {
        var sequence = try Yams.load_all(yaml: try text(relativePath))
        var documents: [Any] = []
        while let document = sequence.next() { documents.append(normalized(document)) }
        if let error = sequence.error { throw PackagingError("\(relativePath): \(error)") }
        return documents
    }

    static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try Data(contentsOf: url(relativePath)), options: [.fragmentsAllowed])
    }

    /// Yams builds `[AnyHashable: Any]`; the tests read `[String: Any]`.
    static func normalized(_ value: Any) -> Any {
        if let mapping = value as? [AnyHashable: Any] {
            var result: [String: Any] = [:]
            for (key, item) in mapping { result[String(describing: key.base)] = normalized(item) }
            return result
        }
        if let sequence = value as? [Any] { return sequence.map(normalized) }
        return value
    }
}

struct PackagingError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Lookups into parsed YAML/JSON that fail the test with the path when the shape is wrong.
extension Dictionary where Key == String, Value == Any {
    func map(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        try #require(self[key] as? [String: Any], "'\(key)' is not a mapping", sourceLocation: sourceLocation)
    }

    func list(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Any] {
        try #require(self[key] as? [Any], "'\(key)' is not a list", sourceLocation: sourceLocation)
    }

    func string(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(scalarText(self[key]), "'\(key)' is not a scalar", sourceLocation: sourceLocation)
    }
}

/// A YAML/JSON scalar as text (`3` and `"3"` alike), or nil for collections and absent values.
func scalarText(_ value: Any?) -> String? {
    switch value {
    case let text as String: text
    case let bool as Bool: bool ? "true" : "false"
    case let int as Int: String(int)
    case let double as Double: String(double)
    case let number as NSNumber: number.stringValue
    default: nil
    }
}

/// Every match of a regular expression's first capture group (or whole match) in `text`.
func matches(of pattern: String, in text: String) -> [String] {
    // An invalid pattern is a bug in the test: it must not read as "no matches", which passes every check.
    guard let regex = try? NSRegularExpression(pattern: pattern) else { preconditionFailure("invalid pattern \(pattern)") }
    let range = NSRange(text.startIndex..., in: text)
    return regex.matches(in: text, range: range).compactMap { match in
        let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
        return Range(group, in: text).map { String(text[$0]) }
    }
}
