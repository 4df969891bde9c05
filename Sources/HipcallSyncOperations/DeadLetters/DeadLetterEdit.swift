import Foundation
import HipcallJSON
import HipcallSync

/// One `--set path=value` change to a dead letter's JSON body: a dotted path of object members
/// (`data.name`) and the value, JSON when it parses as JSON (`null`, `12`, `"x"`, `{...}`), else text.
public struct DeadLetterBodyChange: Sendable, Equatable {
    public let path: [String]
    public let value: JSONValue

    /// Parses `data.name=Acme`; nil when there is no `=` or the path has an empty member.
    public init?(_ assignment: String) {
        guard let equals = assignment.firstIndex(of: "=") else { return nil }
        let path = assignment[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else { return nil }
        let text = String(assignment[assignment.index(after: equals)...])
        self.path = path
        value = StrictJSON.parse(Array(text.utf8)) ?? .string(text)
    }

    /// `object` with the member at ``path`` set (missing objects on the way created); nil when a
    /// member on the way exists and is not an object.
    func applied(to object: [String: JSONValue]) -> [String: JSONValue]? {
        Self.set(value, at: path[...], in: object)
    }

    private static func set(_ value: JSONValue, at path: ArraySlice<String>, in object: [String: JSONValue]) -> [String: JSONValue]? {
        guard let member = path.first else { return object }
        var object = object
        if path.count == 1 {
            object[member] = value
            return object
        }
        let inner: [String: JSONValue]
        switch object[member] {
        case nil: inner = [:]
        case .object(let existing)?: inner = existing
        default: return nil
        }
        guard let updated = set(value, at: path.dropFirst(), in: inner) else { return nil }
        object[member] = .object(updated)
        return object
    }
}

/// Why an edit of a dead letter was refused; nothing was published.
public enum DeadLetterEditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No dead letter has the event id.
    case notFound(eventID: String, queue: String)
    /// `--set` needs a body that is a JSON object.
    case bodyNotAnObject
    /// A `--set` path runs through a member that is not an object.
    case notAnObject(path: String)
    /// The edited event fails the worker's validation.
    case invalid(EventRejection)
    /// The edit changed nothing.
    case unchanged

    public var description: String {
        switch self {
        case .notFound(let eventID, let queue): "no dead letter with event id '\(eventID)' in \(queue)"
        case .bodyNotAnObject: "the dead letter's body is not a JSON object, so --set cannot change it (use --body-file)"
        case .notAnObject(let path): "--set \(path): a member on the way is not an object"
        case .invalid(let rejection): "the edited event is invalid, nothing was published: \(rejection)"
        case .unchanged: "the edit changed nothing, nothing was published"
        }
    }
}

/// An edited body, checked and compared with the original.
public struct DeadLetterEditPreview: Sendable {
    /// The original dead letter.
    public let letter: DeadLetter
    /// The edited body, as it will be published.
    public let body: [UInt8]
    /// One line per changed JSON member (`- data.name: ""`, `+ data.name: "Acme"`), or the whole bodies when either is not JSON.
    public let difference: [String]

    /// Checks `body` as the worker would (``EventDecoder``) for `letter`'s routing key.
    init(letter: DeadLetter, body: [UInt8]) throws(DeadLetterEditError) {
        guard body != letter.delivery.body else { throw .unchanged }
        do {
            _ = try EventDecoder().decode(routingKey: letter.routingKey, body: body)
        } catch {
            throw .invalid(error)
        }
        self.letter = letter
        self.body = body
        difference = Self.difference(from: letter.delivery.body, to: body)
    }

    /// The body with every change applied, as compact JSON.
    static func body(of letter: DeadLetter, with changes: [DeadLetterBodyChange]) throws(DeadLetterEditError) -> [UInt8] {
        guard var object = StrictJSON.parse(letter.delivery.body)?.objectValue else { throw .bodyNotAnObject }
        for change in changes {
            guard let updated = change.applied(to: object) else { throw .notAnObject(path: change.path.joined(separator: ".")) }
            object = updated
        }
        return Array(JSONValue.object(object).jsonText.utf8)
    }

    /// Member-by-member lines for two JSON bodies (sorted by path), else both bodies whole.
    static func difference(from old: [UInt8], to new: [UInt8]) -> [String] {
        guard let before = StrictJSON.parse(old), let after = StrictJSON.parse(new) else {
            return ["- " + String(decoding: old, as: UTF8.self), "+ " + String(decoding: new, as: UTF8.self)]
        }
        let oldMembers = flattened(before, path: "")
        let newMembers = flattened(after, path: "")
        var lines: [String] = []
        for path in Set(oldMembers.keys).union(newMembers.keys).sorted() where oldMembers[path] != newMembers[path] {
            if let value = oldMembers[path] { lines.append("- \(path): \(value.jsonText)") }
            if let value = newMembers[path] { lines.append("+ \(path): \(value.jsonText)") }
        }
        return lines
    }

    /// Every leaf of `value` (arrays count as leaves) by its dotted path.
    private static func flattened(_ value: JSONValue, path: String) -> [String: JSONValue] {
        guard case .object(let members) = value, !members.isEmpty else { return [path.isEmpty ? "." : path: value] }
        var leaves: [String: JSONValue] = [:]
        for (name, member) in members {
            leaves.merge(flattened(member, path: path.isEmpty ? name : "\(path).\(name)")) { first, _ in first }
        }
        return leaves
    }
}
