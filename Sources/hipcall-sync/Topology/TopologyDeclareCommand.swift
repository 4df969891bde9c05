import AMQPClient
import ArgumentParser
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync topology declare`: declares everything the workers declare at start-up.
struct TopologyDeclareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declare",
        abstract: "Declare the exchanges, queues (with their arguments) and bindings, and print them.",
        discussion: """
            Idempotent: objects that exist with the same settings are left alone. An object that exists \
            with other settings makes the broker answer 406 PRECONDITION_FAILED; the command then fails \
            with the broker's text (delete or migrate the object first). Exits with status 2 when the broker \
            cannot be reached.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print what was declared as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let connection = try await OperatorSession.connect(broker)
        let channel = try await connection.openChannel()
        try await topology.declare(on: channel)
        try? await channel.close()
        await connection.close()

        let verifier = TopologyVerifier(topology: topology)
        var table = OperatorTable(headers: ["OBJECT", "NAME", "SETTINGS"])
        var objects: [JSONValue] = []
        for exchange in topology.exchanges {
            table.rows.append(["exchange", exchange.name, "\(exchange.type), durable"])
            objects.append(.object(["kind": "exchange", "name": .string(exchange.name), "settings": .string("\(exchange.type), durable")]))
        }
        for queue in topology.queues {
            let settings = TopologyVerifier.describe(queue.arguments)
            table.rows.append(["queue", queue.name, settings])
            objects.append(.object(["kind": "queue", "name": .string(queue.name), "settings": .string(settings)]))
        }
        for binding in verifier.bindings {
            table.rows.append(["binding", "\(binding.exchange) -> \(binding.queue)", "routing key \(binding.routingKey)"])
            objects.append(
                .object([
                    "kind": "binding", "name": .string("\(binding.exchange) -> \(binding.queue)"),
                    "settings": .string("routing key \(binding.routingKey)"),
                ]))
        }
        print(json ? JSONValue.array(objects).jsonText : "declared:\n" + table.render(maxCellWidth: 200))
    }
}
