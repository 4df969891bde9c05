import Foundation
import HipcallSync
import Testing

@Suite("docker/compose.yaml")
struct ComposeTests {
    let services: [String: Any]

    init() throws {
        services = try requireMap(requireMap(Repository.yaml("docker/compose.yaml"), "compose")["services"], "services")
    }

    func service(_ name: String) throws -> [String: Any] { try requireMap(services[name], "services.\(name)") }

    func environment(_ name: String) throws -> [String: String] {
        let value = try service(name)["environment"] as? [String: Any] ?? [:]
        return value.compactMapValues(scalarText)
    }

    /// `${NAME:-default}` → default (what compose uses when NAME is unset).
    static func withDefaults(_ text: String) -> String {
        var result = text
        while let range = result.range(of: #"\$\{[A-Z_]+:-([^}]*)\}"#, options: .regularExpression) {
            let inner = String(result[range])
            let fallback = String(inner.dropFirst(2).dropLast()).components(separatedBy: ":-").dropFirst().joined(separator: ":-")
            result.replaceSubrange(range, with: fallback)
        }
        return result
    }

    @Test("RabbitMQ 3.13.15 or later (pinned) with the management UI and the consistent-hash exchange")
    func rabbitmq() throws {
        let rabbit = try service("rabbitmq")
        let image = scalarText(rabbit["image"]) ?? ""
        let release = try #require(KubernetesClusterTests.release(of: image), "\(image) pins major.minor.patch")
        #expect(!release.lexicographicallyPrecedes([3, 13, 15]), "\(image) is older than 3.13.15")
        #expect(image.hasSuffix("-management"))
        let ports = (rabbit["ports"] as? [Any] ?? []).compactMap(scalarText)
        #expect(ports.contains { $0.hasSuffix(":15672") }, "management UI port: \(ports)")
        #expect(ports.contains { $0.hasSuffix(":5672") })
        #expect(rabbit["healthcheck"] != nil)
        let volumes = (rabbit["volumes"] as? [Any] ?? []).compactMap(scalarText)
        let plugins = try #require(volumes.first { $0.contains(":/etc/rabbitmq/enabled_plugins") }, "enabled_plugins mounted")
        let source = "docker/" + plugins.split(separator: ":")[0]
        let text = try String(contentsOf: Repository.url(source).standardizedFileURL, encoding: .utf8)
        for plugin in ["rabbitmq_consistent_hash_exchange", "rabbitmq_management", "rabbitmq_prometheus"] {
            #expect(text.contains(plugin), "\(source) enables \(plugin)")
        }
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("]."), "an Erlang term ending in '].'")
    }

    @Test("three worker replicas wired to the broker and the simulator")
    func workers() throws {
        let worker = try service("worker")
        let deploy = try requireMap(worker["deploy"], "worker.deploy")
        #expect(scalarText(deploy["replicas"]) == "3")
        #expect(CommandUses.words(worker["command"] ?? "") == ["worker"])
        let environment = try environment("worker")
        for name in ["AMQP_URL", "HIPCALL_BASE_URL", "HIPCALL_TOKEN", "QUEUE_PREFIX", "METRICS_PORT"] {
            #expect(environment[name] != nil, "worker sets \(name)")
        }
        let amqp = try #require(URL(string: environment["AMQP_URL"] ?? ""))
        #expect(amqp.host == "rabbitmq" && services[amqp.host ?? ""] != nil, "AMQP_URL points at the rabbitmq service")
        let base = try #require(URL(string: Self.withDefaults(environment["HIPCALL_BASE_URL"] ?? "")))
        #expect(base.host == "simulator" && base.port == 8080, "by default the worker talks to the simulator: \(base)")
        #expect(!base.path.contains("/api/v3"), "HIPCALL_BASE_URL is given without /api/v3")
        let dependsOn = try requireMap(worker["depends_on"], "worker.depends_on")
        #expect(dependsOn["rabbitmq"] != nil && dependsOn["simulator"] != nil)
        // compose waits stop_grace_period before SIGKILL; the worker drains for WORKER_SHUTDOWN_GRACE.
        let stop = try #require(scalarText(worker["stop_grace_period"]))
        let grace = try Durations.parse(environment["WORKER_SHUTDOWN_GRACE"] ?? "20s")
        #expect(try Durations.parse(stop) > grace)
    }

    @Test("the simulator listens on all interfaces and accepts the workers' token")
    func simulator() throws {
        let simulator = try service("simulator")
        let command = CommandUses.words(simulator["command"] ?? "")
        #expect(command.first == "simulator")
        let host = try #require(command.firstIndex(of: "--host"))
        #expect(command.indices.contains(host + 1) && command[host + 1] == "0.0.0.0")
        let tokens = try environment("simulator")["SIMULATOR_TOKENS"] ?? ""
        #expect(tokens == (try environment("worker")["HIPCALL_TOKEN"]), "SIMULATOR_TOKENS and the worker's HIPCALL_TOKEN agree")
        #expect(simulator["healthcheck"] != nil, "the image's /healthz check does not fit the simulator: override it")
    }

    @Test("the publisher is an on-demand profile on the same broker and topology")
    func publisher() throws {
        let publisher = try service("publisher")
        #expect((publisher["profiles"] as? [Any])?.compactMap(scalarText) == ["publisher"])
        #expect(CommandUses.words(publisher["command"] ?? "").first == "publish")
        let environment = try environment("publisher")
        let workers = try self.environment("worker")
        for name in ["AMQP_URL", "EVENTS_EXCHANGE", "QUEUE_PREFIX"] {
            #expect(environment[name] != nil && environment[name] == workers[name], "publisher and workers agree on \(name)")
        }
        let healthcheck = publisher["healthcheck"] as? [String: Any]
        #expect(healthcheck?["disable"] as? Bool == true, "the image's /healthz check does not fit the publisher")
    }

    @Test("builds and bind mounts point at files that exist")
    func paths() throws {
        for (name, value) in services {
            let service = try requireMap(value, name)
            if let build = service["build"] as? [String: Any] {
                let context = Repository.url("docker").appendingPathComponent(try build.string("context")).standardizedFileURL
                #expect(context.path == Repository.root.standardizedFileURL.path, "\(name): the Dockerfile's COPY paths assume the repository root as context")
                let dockerfile = context.appendingPathComponent(try build.string("dockerfile"))
                #expect(FileManager.default.fileExists(atPath: dockerfile.path), "\(name): \(dockerfile.path)")
            }
            for volume in (service["volumes"] as? [Any] ?? []).compactMap(scalarText) {
                let source = String(volume.split(separator: ":")[0])
                guard source.hasPrefix(".") || source.hasPrefix("/") else { continue }
                let url = Repository.url("docker").appendingPathComponent(source).standardizedFileURL
                #expect(FileManager.default.fileExists(atPath: url.path), "\(name): bind mount source \(source)")
            }
        }
    }
}

/// Durations as the program writes them: `500ms`, `5s`, `2m`, `1h`, `1m30s`, or bare seconds.
enum Durations {
    static func parse(_ text: String) throws -> Duration {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed) { return .milliseconds(Int64(seconds * 1000)) }
        var total: Duration = .zero
        var number = ""
        var unit = ""
        func flush() throws {
            guard let value = Double(number) else { throw PackagingError("'\(text)' is not a duration") }
            let scale: Double = switch unit {
            case "ms": 0.001
            case "s": 1
            case "m": 60
            case "h": 3600
            default: throw PackagingError("'\(text)': unknown unit \(unit)")
            }
            total += .milliseconds(Int64(value * scale * 1000))
            number = ""
            unit = ""
        }
        for character in trimmed {
            if character.isNumber || character == "." {
                if !unit.isEmpty { try flush() }
                number.append(character)
            } else {
                unit.append(character)
            }
        }
        try flush()
        return total
    }

    static func list(_ text: String) throws -> [Duration] {
        try text.split(separator: ",").map { try parse(String($0)) }
    }
}
