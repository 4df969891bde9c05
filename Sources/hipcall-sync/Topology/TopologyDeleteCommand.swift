import AMQPClient
import ArgumentParser
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync topology delete --yes`: deletes every exchange and queue the topology declares.
struct TopologyDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete every exchange and queue of the topology (messages included), e.g. after a demo or a test. Needs --yes.",
        discussion: """
            Deletes the queues (work or partition queues, retry queues, the dead-letter queue and the journal \
            stream, with the messages they hold) and then the exchanges, as 'topology declare' lists them for the \
            same options; their bindings go with them. Objects that do not exist are skipped. Stop the workers \
            first: a running worker declares its topology again when it reconnects. Without --yes it refuses \
            and exits with status 2; it exits with status 2 when the broker cannot be reached.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Really delete: the messages in the deleted queues cannot be recovered.")
    var yes = false

    @Flag(help: "Print what was deleted as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        guard yes else {
            OperatorSession.printError(
                "refusing to delete without --yes: the queues' messages (dead letters and the journal included) are deleted for good")
            throw ExitCode(2)
        }
        let connection = try await OperatorSession.connect(broker)
        let channel = try await connection.openChannel()
        var table = OperatorTable(headers: ["OBJECT", "NAME", "MESSAGES"])
        var objects: [JSONValue] = []
        for queue in topology.queues {
            let messages = try await channel.deleteQueue(queue.name)
            table.rows.append(["queue", queue.name, "\(messages)"])
            objects.append(.object(["kind": "queue", "name": .string(queue.name), "messages": .int(Int64(messages))]))
        }
        // A holding queue `topology migrate` left behind (listed only when it held messages).
        for queue in topology.queues {
            let holder = TopologyMigration.holdingQueue(for: queue.name)
            let messages = try await channel.deleteQueue(holder)
            guard messages > 0 else { continue }
            table.rows.append(["queue", holder, "\(messages)"])
            objects.append(.object(["kind": "queue", "name": .string(holder), "messages": .int(Int64(messages))]))
        }
        for exchange in topology.exchanges {
            try await channel.deleteExchange(exchange.name)
            table.rows.append(["exchange", exchange.name, ""])
            objects.append(.object(["kind": "exchange", "name": .string(exchange.name)]))
        }
        try? await channel.close()
        await connection.close()
        print(json ? JSONValue.array(objects).jsonText : "deleted:\n" + table.render(maxCellWidth: 200))
    }
}
