import AMQPClient
import ArgumentParser
import HipcallJSON
import HipcallSync

/// `hipcall-sync topology show`: every broker object name the topology declares, with its role,
/// read from ``SyncTopology`` (scripts such as ops/ read names here instead of spelling them).
struct TopologyShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print every exchange and queue name the topology declares, with its type or role; no broker needed.",
        discussion: """
            Uses the same flags and variables as 'topology declare'. Queue roles: work, partition N, retry \
            (step, delay and the queue it returns to), dead-letter, parked (the dead letters' loop guard), waiting (events waiting for another record), journal. Exchange roles: events, dead-letter, \
            synced, partitions, unkeyed, presence, control.
            """)

    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print the objects as JSON: {\"exchanges\": [...], \"queues\": [...]}.")
    var json = false

    func run() throws {
        let topology = try topology.resolved()
        let exchanges: [JSONValue] = topology.exchanges.map { exchange in
            ["name": .string(exchange.name), "type": .string(exchange.type), "role": .string(Self.role(ofExchange: exchange, in: topology))]
        }
        let partitions = Dictionary(uniqueKeysWithValues: (0..<max(0, topology.partitions)).map { (topology.partitionQueue($0), $0) })
        let queues: [JSONValue] = topology.queues.map { queue in
            var object: [String: JSONValue] = ["name": .string(queue.name)]
            if queue.name == topology.workQueue {
                object["role"] = "work"
            } else if let partition = partitions[queue.name] {
                object["role"] = "partition"
                object["partition"] = .int(Int64(partition))
            } else if queue.name == topology.deadLetterQueue {
                object["role"] = "dead-letter"
            } else if queue.name == topology.parkedQueue {
                object["role"] = "parked"
            } else if queue.name == topology.waitingQueue {
                object["role"] = "waiting"
            } else if queue.arguments["x-queue-type"]?.stringValue == "stream" {
                object["role"] = "journal"
            } else if let target = queue.arguments["x-dead-letter-routing-key"]?.stringValue, case .int(let ttl)? = queue.arguments["x-message-ttl"] {
                object["role"] = "retry"
                object["returns_to"] = .string(target)
                object["delay_ms"] = .int(ttl)
                object["step"] = .int(Int64(topology.retryDelays.firstIndex { $0.milliseconds == ttl } ?? 0))
            } else {
                object["role"] = ""
            }
            return .object(object)
        }
        if json {
            print(JSONValue.object(["prefix": .string(topology.prefix), "exchanges": .array(exchanges), "queues": .array(queues)]).jsonText)
            return
        }
        var table = OperatorTable(headers: ["OBJECT", "NAME", "ROLE"])
        for exchange in exchanges {
            let object = exchange.objectValue ?? [:]
            table.rows.append(["exchange", object["name"]?.stringValue ?? "", "\(object["role"]?.stringValue ?? ""), \(object["type"]?.stringValue ?? "")"])
        }
        for entry in queues {
            let object = entry.objectValue ?? [:]
            var role = object["role"]?.stringValue ?? ""
            if let partition = object["partition"]?.intValue { role += " \(partition)" }
            if let step = object["step"]?.intValue, let target = object["returns_to"]?.stringValue { role += " \(step) of \(target)" }
            table.rows.append(["queue", object["name"]?.stringValue ?? "", role])
        }
        print(table.render(maxCellWidth: 200))
    }

    /// An exchange's role, told by the topology's names, its type and the partition bindings.
    static func role(ofExchange exchange: (name: String, type: String, arguments: AMQPTable), in topology: SyncTopology) -> String {
        switch exchange.name {
        case topology.eventsExchange: return "events"
        case topology.deadLetterExchange: return "dead-letter"
        case topology.syncedExchange: return "synced"
        default: break
        }
        switch exchange.type {
        case "x-consistent-hash": return "partitions"
        case "direct": return "control"
        default:
            let feedsPartitionZero = topology.partitionBindings.contains { $0.source == exchange.name && !$0.toExchange && $0.routingKey.isEmpty }
            return feedsPartitionZero ? "unkeyed" : "presence"
        }
    }
}
