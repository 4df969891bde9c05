import Foundation
import Synchronization
import TestSupport

/// What the built `hipcall-sync` says about itself: per subcommand path, its `--help` text, the
/// flags and `$VARIABLES` named there, and its own subcommands.
struct CommandHelp: Sendable {
    var path: [String]
    var text: String
    /// `--long-flag` names in the help, `--help` and `--version` included.
    var flags: Set<String>
    /// Environment variables named as `$NAME` in the help.
    var environmentVariables: Set<String>
    /// The names listed under SUBCOMMANDS.
    var subcommands: Set<String>
    /// Whether the command only dispatches (`USAGE: … <subcommand>` with no options of its own
    /// before it); `publish` runs itself and also has `publish verify`.
    var needsSubcommand: Bool {
        text.split(separator: "\n").first { $0.hasPrefix("USAGE:") }.map { $0.hasSuffix(" <subcommand>") && !$0.contains("<options>") } ?? false
    }

    init(path: [String], text: String) {
        self.path = path
        self.text = text
        flags = Set(matches(of: #"(?<![\w-])(--[a-z0-9][a-z0-9-]*)"#, in: text)).union(["--help", "--version"])
        environmentVariables = Set(matches(of: #"\$([A-Z_][A-Z0-9_]*)"#, in: text))
        var subcommands: Set<String> = []
        var inSection = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("SUBCOMMANDS:") { inSection = true; continue }
            guard inSection else { continue }
            if line.trimmingCharacters(in: .whitespaces).isEmpty { break }
            // Entries are indented by two spaces; wrapped abstracts are indented further.
            guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first else { continue }
            subcommands.insert(String(name))
        }
        self.subcommands = subcommands
    }
}

/// Runs `<package root>/.build/debug/hipcall-sync [path…] --help` once per path.
enum ProgramHelp {
    static let binary = PackagePaths.binary
    private static let cache = Mutex<[[String]: CommandHelp]>([:])

    static func binaryExists() -> Bool {
        FileManager.default.isExecutableFile(atPath: binary.path)
    }

    /// The help of one subcommand path ([] for the root), from the binary.
    static func help(_ path: [String]) throws -> CommandHelp {
        if let cached = cache.withLock({ $0[path] }) { return cached }
        guard binaryExists() else {
            throw PackagingError("\(binary.path) is missing: run `swift build` (ops/test does) before these tests")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = path + ["--help"]
        var environment = ProcessInfo.processInfo.environment
        environment["COLUMNS"] = "200"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw PackagingError("`hipcall-sync \((path + ["--help"]).joined(separator: " "))` exited \(process.terminationStatus): \(text)")
        }
        let help = CommandHelp(path: path, text: text)
        cache.withLock { $0[path] = help }
        return help
    }

    /// Resolves the subcommand path at the start of `arguments` (stopping at the first flag or at
    /// a word that is no subcommand: a positional argument) and returns that command's help.
    /// nil when the first word is no subcommand of the binary.
    static func resolve(_ arguments: [String]) throws -> (help: CommandHelp, consumed: Int)? {
        var current = try help([])
        var path: [String] = []
        for word in arguments {
            if word.hasPrefix("-") { break }
            if current.subcommands.contains(word) {
                path.append(word)
                current = try help(path)
            } else {
                break
            }
        }
        guard !path.isEmpty else { return nil }
        return (current, path.count)
    }
}
