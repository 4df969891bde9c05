import Foundation

/// One place a deployment file runs `hipcall-sync`: the words after the binary and the
/// environment variables it sets for that run.
struct CommandUse: CustomStringConvertible {
    var source: String
    var arguments: [String]
    var environment: [String]

    var description: String { "\(source): hipcall-sync \(arguments.joined(separator: " "))" }

    /// The `--long` flags among the arguments (`--name=value` counts as `--name`).
    var flags: [String] {
        arguments.filter { $0.hasPrefix("--") }.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
    }
}

/// Collects every `hipcall-sync` invocation from the Dockerfile, the compose file, the Kubernetes
/// manifests and the runbook.
enum CommandUses {
    static let binaryPath = "/usr/local/bin/hipcall-sync"

    /// Environment variables that a run may set although the subcommand's help does not name them.
    /// Each needs a reason. (HIPCALL_TOKEN and HIPCALL_TOKEN_FILE are read by the worker command's
    /// token source, and the worker's help names both, so they need no entry.)
    static let environmentAllowList: [String: String] = [:]

    /// Third-party images in the compose file, and the variable prefix each reads (with the reason).
    static let thirdPartyEnvironment: [String: (prefix: String, reason: String)] = [
        "rabbitmq": ("RABBITMQ_", "read by the official RabbitMQ image and server (default user and password), not by hipcall-sync"),
    ]

    static func isOurs(image: String?) -> Bool {
        guard let image else { return false }
        let name = image.split(separator: "/").last.map(String.init) ?? image
        return name == "hipcall-sync" || name.hasPrefix("hipcall-sync:") || name.hasPrefix("hipcall-sync@")
    }

    // MARK: Dockerfile

    static func dockerfile() throws -> (default: CommandUse, entrypoint: [String]) {
        let file = try Dockerfile(text: Repository.text("docker/Dockerfile"))
        guard let stage = file.finalStage else { throw PackagingError("docker/Dockerfile has no stage") }
        let entrypoint = stage.last("ENTRYPOINT").flatMap { Dockerfile.execForm($0.arguments) } ?? []
        let command = stage.last("CMD").flatMap { Dockerfile.execForm($0.arguments) } ?? []
        let environment = stage.all("ENV").flatMap { Dockerfile.environmentNames($0.arguments) }
        return (CommandUse(source: "docker/Dockerfile CMD", arguments: command, environment: environment), entrypoint)
    }

    // MARK: compose

    static func compose() throws -> (ours: [CommandUse], thirdParty: [(service: String, image: String, environment: [String])]) {
        let document = try requireMap(Repository.yaml("docker/compose.yaml"), "docker/compose.yaml")
        let services = try requireMap(document["services"], "services")
        let imageDefault = try dockerfile().default
        var ours: [CommandUse] = []
        var thirdParty: [(String, String, [String])] = []
        for (name, value) in services.sorted(by: { $0.key < $1.key }) {
            let service = try requireMap(value, "services.\(name)")
            let image = scalarText(service["image"])
            let environment = environmentNames(service["environment"])
            guard isOurs(image: image) || service["build"] != nil else {
                thirdParty.append((name, image ?? "", environment))
                continue
            }
            if let entrypoint = service["entrypoint"] {
                let words = words(entrypoint)
                guard words.first == binaryPath || words.first == "hipcall-sync" else {
                    throw PackagingError("compose service \(name): entrypoint \(words) does not run hipcall-sync")
                }
            }
            let arguments = service["command"].map(words) ?? imageDefault.arguments
            ours.append(CommandUse(source: "docker/compose.yaml service \(name)", arguments: arguments, environment: environment))
        }
        return (ours, thirdParty)
    }

    static func words(_ value: Any) -> [String] {
        if let list = value as? [Any] { return list.compactMap(scalarText) }
        return (scalarText(value) ?? "").split(separator: " ").map(String.init)
    }

    static func environmentNames(_ value: Any?) -> [String] {
        if let mapping = value as? [String: Any] { return mapping.keys.sorted() }
        if let list = value as? [Any] {
            return list.compactMap(scalarText).map { String($0.split(separator: "=", maxSplits: 1)[0]) }
        }
        return []
    }

    // MARK: Kubernetes

    /// Every container of every workload in ops/kubernetes whose image is hipcall-sync.
    static func kubernetes() throws -> [CommandUse] {
        let imageDefault = try dockerfile().default
        var uses: [CommandUse] = []
        for path in try Repository.files(in: "ops/kubernetes", suffixes: [".yaml", ".yml"]) {
            for document in try Repository.yamlDocuments(path) {
                guard let document = document as? [String: Any], let podSpec = podSpec(of: document) else { continue }
                let containers = ((podSpec["containers"] as? [Any]) ?? []) + ((podSpec["initContainers"] as? [Any]) ?? [])
                for case let container as [String: Any] in containers where isOurs(image: scalarText(container["image"])) {
                    let name = "\(path) \(scalarText(document["kind"]) ?? "?")/\(scalarText(container["name"]) ?? "?")"
                    if container["envFrom"] != nil {
                        throw PackagingError("\(name): envFrom hides which variables are set; list them under env")
                    }
                    var arguments = imageDefault.arguments
                    if let command = container["command"] {
                        let words = words(command)
                        guard words.first == binaryPath || words.first == "hipcall-sync" else {
                            throw PackagingError("\(name): command \(words) does not run hipcall-sync")
                        }
                        arguments = Array(words.dropFirst()) + (container["args"].map(CommandUses.words) ?? [])
                    } else if let args = container["args"] {
                        arguments = words(args)
                    }
                    let environment = ((container["env"] as? [Any]) ?? []).compactMap { ($0 as? [String: Any])?["name"] }.compactMap(scalarText)
                    uses.append(CommandUse(source: name, arguments: arguments, environment: environment))
                }
            }
        }
        return uses
    }

    /// The pod template of a Deployment, StatefulSet, DaemonSet, Job or CronJob, or a Pod's spec.
    static func podSpec(of document: [String: Any]) -> [String: Any]? {
        let spec = document["spec"] as? [String: Any]
        switch scalarText(document["kind"]) {
        case "Pod": return spec
        case "CronJob":
            let job = (spec?["jobTemplate"] as? [String: Any])?["spec"] as? [String: Any]
            return (job?["template"] as? [String: Any])?["spec"] as? [String: Any]
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
            return (spec?["template"] as? [String: Any])?["spec"] as? [String: Any]
        default: return nil
        }
    }

    // MARK: runbook

    /// Commands in the runbook's code blocks and inline code: `hipcall-sync <words>` up to a shell
    /// operator or comment, with the `NAME=value` assignments right before it.
    static func runbook() throws -> [CommandUse] {
        let text = try Repository.text("ops/runbook.md")
        var snippets: [(String, Int)] = []
        var inBlock = false
        var block = ""
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                inBlock.toggle()
                continue
            }
            if inBlock {
                if trimmed.hasSuffix("\\") {
                    block += trimmed.dropLast() + " "
                } else {
                    snippets.append((block + trimmed, index + 1))
                    block = ""
                }
            } else {
                for span in matches(of: "`([^`]+)`", in: String(line)) { snippets.append((span, index + 1)) }
            }
        }
        var uses: [CommandUse] = []
        for (snippet, line) in snippets {
            let words = snippet.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            for (position, word) in words.enumerated() where word == "hipcall-sync" {
                var arguments: [String] = []
                for next in words[(position + 1)...] {
                    if ["|", "||", "&&", ";", ">", "2>&1"].contains(next) || next.hasPrefix("#") { break }
                    arguments.append(next)
                }
                var environment: [String] = []
                for previous in words[..<position].reversed() {
                    guard let name = previous.split(separator: "=", maxSplits: 1).first, previous.contains("="),
                        name.allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" })
                    else { break }
                    environment.append(String(name))
                }
                uses.append(CommandUse(source: "ops/runbook.md:\(line)", arguments: arguments, environment: environment))
            }
        }
        return uses
    }
}

/// `#require`-like for values that must be mappings, usable outside a test body.
func requireMap(_ value: Any?, _ what: String) throws -> [String: Any] {
    guard let map = value as? [String: Any] else { throw PackagingError("\(what) is not a mapping") }
    return map
}
