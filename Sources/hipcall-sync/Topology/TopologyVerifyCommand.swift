import AMQPClient
import ArgumentParser
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync topology verify`: compares the broker's objects with the expected topology.
struct TopologyVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that every exchange and queue exists with the expected type and arguments.",
        discussion: """
            Each object is checked on fresh channels: a passive declare tells whether it exists, and a \
            declare with the expected settings succeeds only when they are equivalent (the broker's 406 \
            PRECONDITION_FAILED names the difference). AMQP cannot list bindings, so they are reported as \
            not checked unless --rabbitmqctl names a rabbitmqctl that reaches the same broker. \
            Exits with 0 when everything matches, 1 on any mismatch, 2 when the broker cannot be reached.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: ArgumentHelp(
        "Check bindings with this rabbitmqctl (it must talk to the same broker as --amqp-url), e.g. /usr/sbin/rabbitmqctl.",
        valueName: "path"))
    var rabbitmqctl: String?

    @Flag(help: "Print the checks as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let connection = try await OperatorSession.connect(broker)
        let verifier = TopologyVerifier(topology: topology)
        var checks: [TopologyCheck]
        do {
            checks = try await verifier.verify(on: connection)
        } catch let error as AMQPError where error.isConnectionLevel {
            OperatorSession.printError("lost the broker while verifying: \(error.message)")
            throw ExitCode(OperatorSession.unreachableExitCode)
        }
        await connection.close()
        if let rabbitmqctl {
            let listed = try TopologyBindingLister(executable: rabbitmqctl, virtualHost: connection.configuration.virtualHost)
                .bindings()
            checks += verifier.checkBindings(listed: listed)
        } else {
            checks.append(
                TopologyCheck(
                    kind: .binding, name: "(all)", expected: "\(verifier.bindings.count) bindings",
                    status: .notChecked("AMQP 0-9-1 cannot list bindings; pass --rabbitmqctl to check them")))
        }
        if json {
            print(
                JSONValue.array(
                    checks.map { check in
                        .object([
                            "kind": .string(check.kind.rawValue), "name": .string(check.name), "expected": .string(check.expected),
                            "status": .string(check.status.label), "detail": check.status.detail.map(JSONValue.string) ?? .null,
                        ])
                    }
                ).jsonText)
        } else {
            var table = OperatorTable(headers: ["OBJECT", "NAME", "EXPECTED", "FOUND"])
            for check in checks {
                let found = check.status.detail.map { "\(check.status.label): \($0)" } ?? check.status.label
                table.rows.append([check.kind.rawValue, check.name, check.expected, found])
            }
            let problems = checks.filter(\.status.isProblem).count
            print(table.render(maxCellWidth: 200))
            print(problems == 0 ? "topology matches" : "\(problems) problem\(problems == 1 ? "" : "s") found")
        }
        if checks.contains(where: \.status.isProblem) { throw ExitCode.failure }
    }
}
