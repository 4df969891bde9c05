import AMQPClient
import Foundation
@testable import HipcallSync
import Testing

/// ops/rabbitmq/definitions.json holds exactly what `SyncTopology().declare(on:)` creates for the
/// default names, so a broker provisioned from it accepts the workers' declarations.
@Suite("ops/rabbitmq/definitions.json")
struct RabbitMQDefinitionsTests {
    let definitions: [String: Any]
    let topology = SyncTopology()

    init() throws {
        definitions = try requireMap(Repository.json("ops/rabbitmq/definitions.json"), "definitions")
    }

    /// A comparable form of an argument value: JSON numbers and AMQP integers alike.
    enum Argument: Hashable, CustomStringConvertible {
        case int(Int64), string(String), bool(Bool), other(String)

        init(_ value: AMQPFieldValue) {
            switch value {
            case .int(let int): self = .int(int)
            case .string(let string): self = .string(string)
            case .bool(let bool): self = .bool(bool)
            default: self = .other("\(value)")
            }
        }

        init(json value: Any) {
            if let string = value as? String {
                self = .string(string)
            } else if let number = value as? NSNumber, number.doubleValue == Double(number.int64Value) {
                // JSON true/false arrive as NSNumber too and read as 1/0; no argument here is boolean.
                self = .int(number.int64Value)
            } else {
                self = .other("\(value)")
            }
        }

        var description: String {
            switch self {
            case .int(let int): "\(int)"
            case .string(let string): "\"\(string)\""
            case .bool(let bool): "\(bool)"
            case .other(let text): text
            }
        }
    }

    func objects(_ key: String) throws -> [[String: Any]] {
        try #require(definitions[key] as? [[String: Any]], "'\(key)' is a list of objects")
    }

    @Test("the defaults the definitions describe are the command line's defaults")
    func defaults() {
        #expect(topology.eventsExchange == "crm.events")
        #expect(topology.prefix == "hipcall-sync")
        #expect(topology.syncedExchange == "crm.synced")
        #expect(topology.retryDelays == [.seconds(1), .seconds(5), .seconds(30), .seconds(120)])
        #expect(topology.deliveryLimit == 20)
    }

    @Test("every queue, with the same arguments")
    func queues() throws {
        let expected = Dictionary(uniqueKeysWithValues: topology.queues.map { ($0.name, $0.arguments.mapValues(Argument.init)) })
        var actual: [String: [String: Argument]] = [:]
        for queue in try objects("queues") {
            let name = try queue.string("name")
            #expect(actual[name] == nil, "\(name) is listed twice")
            #expect(queue["vhost"] as? String == "/")
            #expect(queue["durable"] as? Bool == true, "\(name) is durable")
            #expect(queue["auto_delete"] as? Bool == false, "\(name) is not auto-delete")
            actual[name] = ((queue["arguments"] as? [String: Any]) ?? [:]).mapValues(Argument.init(json:))
        }
        #expect(Set(actual.keys) == Set(expected.keys))
        for (name, arguments) in expected {
            #expect(actual[name] == arguments, "\(name): definitions \(actual[name] ?? [:]) vs SyncTopology \(arguments)")
        }
    }

    @Test("every exchange, durable, of the type SyncTopology declares")
    func exchanges() throws {
        // As SyncTopology.declare(on:) declares them.
        let types = Dictionary(uniqueKeysWithValues: topology.exchanges.map { ($0.name, $0.type) })
        let expected = Set(types.keys)
        var actual: Set<String> = []
        for exchange in try objects("exchanges") {
            let name = try exchange.string("name")
            actual.insert(name)
            #expect(exchange["type"] as? String == types[name], "\(name) is a \(types[name] ?? "?") exchange")
            #expect(exchange["durable"] as? Bool == true && exchange["auto_delete"] as? Bool == false && exchange["internal"] as? Bool == false)
            #expect(exchange["vhost"] as? String == "/")
        }
        #expect(actual == expected)
    }

    struct Binding: Hashable { var source, destination, routingKey: String }

    @Test("every binding")
    func bindings() throws {
        var expected = Set(RoutingKeys.events.map { Binding(source: topology.eventsExchange, destination: topology.workQueue, routingKey: $0) })
        expected.insert(Binding(source: topology.deadLetterExchange, destination: topology.deadLetterQueue, routingKey: "#"))
        var actual: [Binding] = []
        for binding in try objects("bindings") {
            #expect(binding["destination_type"] as? String == "queue")
            #expect(binding["vhost"] as? String == "/")
            actual.append(Binding(source: try binding.string("source"), destination: try binding.string("destination"), routingKey: try binding.string("routing_key")))
        }
        #expect(actual.count == Set(actual).count, "no duplicate bindings")
        #expect(Set(actual) == expected)
    }

    @Test("policies apply to declared queues and never contradict their arguments")
    func policies() throws {
        let queues = topology.queues
        for policy in try objects("policies") {
            let name = try policy.string("name")
            let pattern = try NSRegularExpression(pattern: try policy.string("pattern"))
            let appliesTo = try policy.string("apply-to")
            #expect(["queues", "classic_queues", "quorum_queues", "exchanges", "all"].contains(appliesTo), "\(name): apply-to \(appliesTo)")
            let definition = try policy.map("definition")
            #expect(!definition.isEmpty)
            let matched = queues.filter { pattern.firstMatch(in: $0.name, range: NSRange($0.name.startIndex..., in: $0.name)) != nil }
            #expect(!matched.isEmpty || appliesTo == "exchanges", "\(name) matches none of the declared queues")
            for queue in matched {
                for key in definition.keys {
                    // An x-argument wins over a policy for most keys and the two then disagree silently.
                    #expect(queue.arguments["x-\(key)"] == nil, "\(name) sets \(key), which \(queue.name) already sets as x-\(key)")
                }
            }
        }
    }

    @Test("the default vhost is part of the definitions (importing at boot skips creating it)")
    func vhost() throws {
        #expect(try objects("vhosts").contains { $0["name"] as? String == "/" })
        #expect(definitions["users"] == nil, "no credentials in the repository")
    }
}
