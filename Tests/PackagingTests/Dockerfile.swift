import Foundation

/// A small Dockerfile reader: instructions (continuations joined, comments dropped) grouped by stage.
struct Dockerfile {
    struct Instruction {
        var keyword: String
        var arguments: String
        var line: Int
    }

    struct Stage {
        var base: String
        var name: String?
        var instructions: [Instruction] = []

        func all(_ keyword: String) -> [Instruction] { instructions.filter { $0.keyword == keyword } }
        func last(_ keyword: String) -> Instruction? { all(keyword).last }
    }

    var globalArguments: [String: String] = [:]
    var stages: [Stage] = []

    init(text: String) throws {
        var logical: [(String, Int)] = []
        var pending = ""
        var startLine = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") { continue }
            if pending.isEmpty {
                if trimmed.isEmpty { continue }
                startLine = index + 1
            }
            if trimmed.hasSuffix("\\") {
                pending += String(trimmed.dropLast()) + " "
            } else {
                pending += trimmed
                logical.append((pending, startLine))
                pending = ""
            }
        }
        if !pending.isEmpty { throw PackagingError("Dockerfile ends inside a line continuation") }

        for (text, line) in logical {
            let parts = text.split(separator: " ", maxSplits: 1)
            let keyword = parts[0].uppercased()
            let arguments = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
            if keyword == "FROM" {
                var words = arguments.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--platform") }
                guard let image = words.first else { throw PackagingError("line \(line): FROM without an image") }
                words.removeFirst()
                let name = words.count == 2 && words[0].uppercased() == "AS" ? words[1] : nil
                stages.append(Stage(base: substitute(image), name: name))
            } else if stages.isEmpty {
                guard keyword == "ARG" else { throw PackagingError("line \(line): \(keyword) before the first FROM") }
                let assignment = arguments.split(separator: "=", maxSplits: 1).map(String.init)
                globalArguments[assignment[0]] = assignment.count > 1 ? assignment[1] : ""
            } else {
                stages[stages.count - 1].instructions.append(Instruction(keyword: keyword, arguments: arguments, line: line))
            }
        }
    }

    /// Replaces `${NAME}` and `$NAME` with the global ARG defaults (as FROM lines see them).
    func substitute(_ text: String) -> String {
        var result = text
        for (name, value) in globalArguments {
            result = result.replacingOccurrences(of: "${\(name)}", with: value).replacingOccurrences(of: "$\(name)", with: value)
        }
        return result
    }

    var finalStage: Stage? { stages.last }

    /// An exec-form (`["a", "b"]`) instruction's words; nil for the shell form.
    static func execForm(_ arguments: String) -> [String]? {
        guard arguments.hasPrefix("["), let data = arguments.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String]
    }

    /// `ENV A=1 B=2` or the legacy `ENV A 1`: the variable names.
    static func environmentNames(_ arguments: String) -> [String] {
        let words = arguments.split(separator: " ").map(String.init)
        guard let first = words.first else { return [] }
        if !first.contains("=") { return [first] }
        return words.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
    }

    /// The sources of a COPY/ADD (flags and the destination removed); nil for `--from=` copies.
    static func copySources(_ arguments: String) -> [String]? {
        var words: [String]
        if let exec = execForm(arguments) {
            words = exec
        } else {
            words = arguments.split(separator: " ").map(String.init)
        }
        var flags: [String] = []
        while let first = words.first, first.hasPrefix("--") {
            flags.append(first)
            words.removeFirst()
        }
        if flags.contains(where: { $0.hasPrefix("--from") }) { return nil }
        return Array(words.dropLast())
    }
}
