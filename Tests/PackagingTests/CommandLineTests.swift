import Foundation
import Testing

/// Every command, subcommand, flag and environment variable the deployment files use exists in
/// the built program: checked against `hipcall-sync <subcommand> --help`.
@Suite("Command lines in the deployment files")
struct CommandLineTests {
    /// What is wrong with one use: an unknown subcommand, flags or variables its help does not name.
    static func problems(_ use: CommandUse) throws -> [String] {
        guard !use.arguments.isEmpty else { return [] }
        guard let (help, consumed) = try ProgramHelp.resolve(use.arguments) else {
            return ["\(use): '\(use.arguments[0])' is not a hipcall-sync subcommand"]
        }
        let command = "hipcall-sync " + use.arguments.prefix(consumed).joined(separator: " ")
        var problems: [String] = []
        if help.needsSubcommand {
            problems.append("\(use): '\(command)' needs a subcommand (\(help.subcommands.sorted().joined(separator: ", ")))")
        }
        for flag in use.flags where !help.flags.contains(flag) {
            problems.append("\(use): '\(command)' has no option \(flag)")
        }
        for variable in use.environment
        where !help.environmentVariables.contains(variable) && CommandUses.environmentAllowList[variable] == nil {
            problems.append("\(use): '\(command) --help' does not name the environment variable \(variable)")
        }
        return problems
    }

    @Test("the binary is built and answers --help")
    func binaryAnswers() throws {
        #expect(ProgramHelp.binaryExists(), "build first: swift build (ops/test does)")
        let root = try ProgramHelp.help([])
        #expect(root.subcommands.isSuperset(of: ["worker", "simulator"]), "\(root.text)")
    }

    @Test("the Dockerfile's default command")
    func dockerfile() throws {
        let (use, entrypoint) = try CommandUses.dockerfile()
        #expect(entrypoint == [CommandUses.binaryPath], "ENTRYPOINT must be the binary alone, exec form")
        #expect(use.arguments == ["worker"])
        for problem in try Self.problems(use) { Issue.record(Comment(rawValue: problem)) }
    }

    @Test("the compose services")
    func compose() throws {
        let uses = try CommandUses.compose().ours
        #expect(Set(uses.map(\.source)) == ["docker/compose.yaml service simulator", "docker/compose.yaml service worker", "docker/compose.yaml service publisher"])
        for use in uses {
            for problem in try Self.problems(use) { Issue.record(Comment(rawValue: problem)) }
        }
    }

    @Test("third-party compose services set only variables their image reads")
    func thirdPartyCompose() throws {
        for service in try CommandUses.compose().thirdParty {
            let image = service.image.split(separator: ":").first.map(String.init) ?? service.image
            guard let allowed = CommandUses.thirdPartyEnvironment[image] else {
                if !service.environment.isEmpty {
                    Issue.record("compose service \(service.service) (\(service.image)) sets \(service.environment) but its image has no allow-list entry")
                }
                continue
            }
            for variable in service.environment where !variable.hasPrefix(allowed.prefix) {
                Issue.record("compose service \(service.service): \(variable) is not a \(allowed.prefix)* variable of \(image)")
            }
        }
    }

    @Test("the Kubernetes containers")
    func kubernetes() throws {
        let uses = try CommandUses.kubernetes()
        #expect(!uses.isEmpty, "no hipcall-sync container found in ops/kubernetes")
        for use in uses {
            for problem in try Self.problems(use) { Issue.record(Comment(rawValue: problem)) }
        }
    }

    @Test("the runbook's commands")
    func runbook() throws {
        let uses = try CommandUses.runbook().filter { !$0.arguments.isEmpty }
        #expect(uses.count >= 8, "the runbook shows the worker, dead-letters and topology commands")
        for use in uses {
            for problem in try Self.problems(use) { Issue.record(Comment(rawValue: problem)) }
        }
    }

    @Test("the checker rejects what the program lacks")
    func checkerFails() throws {
        let unknownFlag = CommandUse(source: "self-test", arguments: ["worker", "--no-such-flag", "1"], environment: ["AMQP_URL"])
        #expect(try Self.problems(unknownFlag).count == 1)
        let unknownVariable = CommandUse(source: "self-test", arguments: ["worker"], environment: ["NO_SUCH_VARIABLE", "HIPCALL_TOKEN"])
        #expect(try Self.problems(unknownVariable).count == 1)
        let unknownCommand = CommandUse(source: "self-test", arguments: ["wroker"], environment: [])
        #expect(try Self.problems(unknownCommand).count == 1)
        let missingSubcommand = CommandUse(source: "self-test", arguments: ["dead-letters"], environment: [])
        #expect(try Self.problems(missingSubcommand).count == 1)
    }
}
