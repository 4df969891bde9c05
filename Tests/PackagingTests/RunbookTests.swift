import Foundation
import Testing

@Suite("ops/runbook.md")
struct RunbookTests {
    let text: String

    init() throws {
        text = try Repository.text("ops/runbook.md")
    }

    /// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    static func anchors() throws -> Set<String> {
        let text = try Repository.text("ops/runbook.md")
        var anchors: Set<String> = []
        var inBlock = false
        for line in text.split(separator: "\n") {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { inBlock.toggle() }
            guard !inBlock, line.hasPrefix("#") else { continue }
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces).lowercased()
            let slug = String(title.compactMap { character -> Character? in
                if character == " " { return "-" }
                return character.isLetter || character.isNumber || character == "-" || character == "_" ? character : nil
            })
            anchors.insert(slug)
        }
        return anchors
    }

    @Test("the sections the issue asks for")
    func sections() throws {
        let anchors = try Self.anchors()
        for anchor in ["running-and-scaling", "reading-the-dashboard", "dead-letters", "token", "broker-maintenance"] {
            #expect(anchors.contains(anchor), "section #\(anchor)")
        }
    }

    @Test("replaying dead letters shows list, show, replay --dry-run and replay")
    func deadLetterCommands() throws {
        let commands = try CommandUses.runbook().map { $0.arguments.joined(separator: " ") }
        for command in ["dead-letters list", "dead-letters show", "dead-letters replay --dry-run"] {
            #expect(commands.contains { $0.hasPrefix(command) }, "hipcall-sync \(command)")
        }
        #expect(commands.contains("dead-letters replay"))
    }

    @Test("every alert is explained")
    func alerts() throws {
        let document = try requireMap(Repository.yaml("ops/prometheus/alerts.yaml"), "alerts")
        let groups = (document["groups"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        let rules: [Any] = groups.flatMap { group -> [Any] in (group["rules"] as? [Any]) ?? [] }
        let names = rules.compactMap { ($0 as? [String: Any])?["alert"] }.compactMap(scalarText)
        #expect(!names.isEmpty)
        for name in names where name != "HipcallSyncWorkerDown" {
            #expect(text.contains(name), "the runbook names \(name)")
        }
    }

    @Test("links and repository paths resolve")
    func links() throws {
        let anchors = try Self.anchors()
        for target in matches(of: #"\]\(([^)]+)\)"#, in: text) where !target.hasPrefix("http") {
            if target.hasPrefix("#") {
                #expect(anchors.contains(String(target.dropFirst())), "link \(target)")
            } else {
                #expect(Repository.exists("ops/" + target.split(separator: "#")[0]), "link \(target)")
            }
        }
        for path in Set(matches(of: #"`((?:ops|docker|Sources)/[A-Za-z0-9_./-]+)`"#, in: text)) {
            #expect(Repository.exists(path), "\(path) does not exist")
        }
    }

    @Test("environment variables it names are read by the program")
    func environmentVariables() throws {
        let known = try ["worker", "simulator", "reconcile"].reduce(into: Set<String>()) { $0.formUnion(try ProgramHelp.help([$1]).environmentVariables) }
        // Upper-case words in code spans that are not environment variables of hipcall-sync.
        let notVariables: Set<String> = ["PRECONDITION_FAILED"]
        for name in Set(matches(of: #"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`"#, in: text)) where !notVariables.contains(name) {
            #expect(known.contains(name), "\(name) is named in the runbook but no help text mentions $\(name)")
        }
    }
}
