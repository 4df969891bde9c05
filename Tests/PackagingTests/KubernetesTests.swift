import Foundation
import HipcallSync
import Testing

@Suite("ops/kubernetes")
struct KubernetesTests {
    /// Every document of every manifest, with the file it came from.
    let documents: [(path: String, document: [String: Any])]

    init() throws {
        var documents: [(String, [String: Any])] = []
        for path in try Repository.files(in: "ops/kubernetes", suffixes: [".yaml", ".yml"]) {
            for case let document as [String: Any] in try Repository.yamlDocuments(path) { documents.append((path, document)) }
        }
        self.documents = documents
    }

    func objects(_ kind: String, includeExamples: Bool = false) -> [[String: Any]] {
        documents.filter { scalarText($0.document["kind"]) == kind && (includeExamples || !$0.path.contains(".example.")) }.map(\.document)
    }

    func deployment() throws -> [String: Any] {
        let deployments = objects("Deployment")
        #expect(deployments.count == 1)
        return try #require(deployments.first)
    }

    func container() throws -> [String: Any] {
        let spec = try #require(CommandUses.podSpec(of: try deployment()))
        let containers = (spec["containers"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        return try #require(containers.first { CommandUses.isOurs(image: scalarText($0["image"])) }, "a hipcall-sync container")
    }

    func environment() throws -> [String: [String: Any]] {
        var result: [String: [String: Any]] = [:]
        for case let variable as [String: Any] in try container()["env"] as? [Any] ?? [] {
            if let name = scalarText(variable["name"]) { result[name] = variable }
        }
        return result
    }

    /// The container port a probe's `port` (a number or a port name) refers to.
    func port(_ value: Any?) throws -> Int? {
        if let text = scalarText(value), let number = Int(text) { return number }
        let name = scalarText(value)
        let ports = (try container()["ports"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        return ports.first { scalarText($0["name"]) == name }.flatMap { scalarText($0["containerPort"]).flatMap { Int($0) } }
    }

    /// Kubernetes memory quantities in bytes (`128Mi`, `1Gi`, `500M`, `134217728`).
    static func bytes(_ quantity: String) throws -> Int64 {
        let units: [(String, Int64)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000)]
        for (suffix, factor) in units where quantity.hasSuffix(suffix) {
            if let number = Int64(quantity.dropLast(suffix.count)) { return number * factor }
        }
        guard let number = Int64(quantity) else { throw PackagingError("'\(quantity)' is not a memory quantity") }
        return number
    }

    @Test("liveness /healthz and readiness /readyz on the metrics port 9090")
    func probes() throws {
        let container = try container()
        let liveness = try requireMap(try requireMap(container["livenessProbe"], "livenessProbe")["httpGet"], "livenessProbe.httpGet")
        let readiness = try requireMap(try requireMap(container["readinessProbe"], "readinessProbe")["httpGet"], "readinessProbe.httpGet")
        #expect(scalarText(liveness["path"]) == "/healthz")
        #expect(scalarText(readiness["path"]) == "/readyz")
        #expect(try port(liveness["port"]) == 9090)
        #expect(try port(readiness["port"]) == 9090)
        let metricsPort = try environment()["METRICS_PORT"].flatMap { scalarText($0["value"]) }
        #expect(metricsPort == nil || metricsPort == "9090", "METRICS_PORT \(metricsPort ?? "") differs from the probed port")
    }

    @Test("resource requests and limits; memory limit at least 128Mi")
    func resources() throws {
        let resources = try requireMap(try container()["resources"], "resources")
        let requests = try resources.map("requests")
        let limits = try resources.map("limits")
        for key in ["cpu", "memory"] {
            #expect(scalarText(requests[key]) != nil, "requests.\(key)")
            #expect(scalarText(limits[key]) != nil, "limits.\(key)")
        }
        let limit = try Self.bytes(try limits.string("memory"))
        let request = try Self.bytes(try requests.string("memory"))
        #expect(limit >= 128 << 20)
        #expect(request <= limit && request >= 64 << 20, "the worker targets < 64 MiB RSS: request at least that")
    }

    @Test("the Hipcall token comes from a Secret, never from a literal")
    func token() throws {
        let environment = try environment()
        let container = try container()
        let spec = try #require(CommandUses.podSpec(of: try deployment()))
        if let token = environment["HIPCALL_TOKEN"] {
            #expect(token["value"] == nil, "HIPCALL_TOKEN must not be a literal")
            let reference = (token["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any]
            #expect(reference?["name"] != nil && reference?["key"] != nil)
        } else {
            let path = try #require(environment["HIPCALL_TOKEN_FILE"].flatMap { scalarText($0["value"]) }, "HIPCALL_TOKEN or HIPCALL_TOKEN_FILE")
            let mounts = (container["volumeMounts"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            let mount = try #require(mounts.first { path.hasPrefix((scalarText($0["mountPath"]) ?? "") + "/") }, "\(path) is under a volume mount")
            let volumes = (spec["volumes"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            let volume = try #require(volumes.first { scalarText($0["name"]) == scalarText(mount["name"]) })
            let secret = try requireMap(volume["secret"], "the token volume is a Secret")
            let file = String(path.dropFirst((scalarText(mount["mountPath"]) ?? "").count + 1))
            let items = (secret["items"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            #expect(items.isEmpty || items.contains { scalarText($0["path"]) == file }, "the Secret volume provides \(file)")
        }
        // The AMQP URL carries the broker password: a Secret too.
        #expect(environment["AMQP_URL"]?["value"] == nil)
        #expect((environment["AMQP_URL"]?["valueFrom"] as? [String: Any])?["secretKeyRef"] != nil)
    }

    @Test("non-root as in the image, and time to drain on SIGTERM")
    func security() throws {
        let spec = try #require(CommandUses.podSpec(of: try deployment()))
        let context = try requireMap(spec["securityContext"], "securityContext")
        #expect(context["runAsNonRoot"] as? Bool == true)
        let dockerfile = try Dockerfile(text: Repository.text("docker/Dockerfile"))
        let user = dockerfile.finalStage?.last("USER")?.arguments.split(separator: ":").first.map(String.init)
        #expect(scalarText(context["runAsUser"]) == user, "runAsUser matches the image's USER \(user ?? "")")
        let grace = try #require(scalarText(spec["terminationGracePeriodSeconds"]).flatMap { Int($0) })
        let drain = try Durations.parse(try environment()["WORKER_SHUTDOWN_GRACE"].flatMap { scalarText($0["value"]) } ?? "20s")
        #expect(Duration.seconds(grace) > drain)
    }

    @Test("the topology settings are the defaults the broker definitions describe")
    func topologySettings() throws {
        let environment = try environment().compactMapValues { scalarText($0["value"]) }
        let topology = SyncTopology()
        #expect((environment["QUEUE_PREFIX"] ?? topology.prefix) == topology.prefix)
        #expect((environment["EVENTS_EXCHANGE"] ?? topology.eventsExchange) == topology.eventsExchange)
        #expect((environment["SYNCED_EXCHANGE"] ?? topology.syncedExchange) == topology.syncedExchange)
        #expect(try Durations.list(environment["RETRY_STEPS"] ?? "1s,5s,30s,2m") == topology.retryDelays)
    }

    @Test("a metrics Service selecting the worker pods")
    func service() throws {
        let deployment = try deployment()
        let labels = try requireMap(try requireMap(try requireMap(deployment["spec"], "spec")["template"], "template")["metadata"], "metadata")["labels"] as? [String: Any] ?? [:]
        let services = objects("Service")
        let service = try #require(services.first, "a Service")
        let spec = try requireMap(service["spec"], "spec")
        let selector = try spec.map("selector")
        #expect(!selector.isEmpty)
        for (key, value) in selector { #expect(scalarText(labels[key]) == scalarText(value), "selector \(key)") }
        let ports = (spec["ports"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        #expect(ports.contains { scalarText($0["port"]) == "9090" && (try? port($0["targetPort"])) == 9090 })
    }

    @Test("a KEDA ScaledObject scales the Deployment on the work queue")
    func keda() throws {
        let deploymentName = try requireMap(try deployment()["metadata"], "metadata").string("name")
        let scaled = try #require(objects("ScaledObject").first)
        let spec = try requireMap(scaled["spec"], "spec")
        #expect(try spec.map("scaleTargetRef").string("name") == deploymentName)
        let minimum = Int(scalarText(spec["minReplicaCount"]) ?? "0") ?? 0
        let maximum = Int(scalarText(spec["maxReplicaCount"]) ?? "0") ?? 0
        #expect(minimum >= 1, "never scale the consumers to zero (the no-consumers alert)")
        #expect(maximum >= minimum)
        let triggers = (spec["triggers"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        let trigger = try #require(triggers.first { scalarText($0["type"]) == "rabbitmq" })
        let metadata = try trigger.map("metadata")
        #expect(scalarText(metadata["queueName"]) == SyncTopology().workQueue)
        #expect(scalarText(metadata["queueName"]) == "hipcall-sync.work")
        #expect(scalarText(metadata["mode"]) == "QueueLength")
        // The broker address comes from the Secret of the worker's AMQP_URL, but from a key of its own:
        // AMQP_URL lists every node, and KEDA's rabbitmq scaler takes one URL.
        let authentication = try trigger.map("authenticationRef").string("name")
        let trigAuth = try #require(objects("TriggerAuthentication").first { (try? requireMap($0["metadata"], "").string("name")) == authentication })
        let references = try requireMap(trigAuth["spec"], "spec").list("secretTargetRef").compactMap { $0 as? [String: Any] }
        let host = try #require(references.first { scalarText($0["parameter"]) == "host" })
        let amqp = try #require((try environment()["AMQP_URL"]?["valueFrom"] as? [String: Any])?["secretKeyRef"] as? [String: Any])
        #expect(scalarText(host["name"]) == scalarText(amqp["name"]) && scalarText(host["key"]) != scalarText(amqp["key"]))
    }

    @Test("the kustomization lists files that exist, and every manifest but the examples")
    func kustomization() throws {
        let kustomization = try requireMap(Repository.yaml("ops/kubernetes/kustomization.yaml"), "kustomization")
        let resources = try kustomization.list("resources").compactMap(scalarText)
        for resource in resources { #expect(Repository.exists("ops/kubernetes/\(resource)"), "\(resource)") }
        let manifests = try Repository.files(in: "ops/kubernetes", suffixes: [".yaml", ".yml"])
            .map { String($0.dropFirst("ops/kubernetes/".count)) }
            .filter { $0 != "kustomization.yaml" && !$0.contains(".example.") }
        #expect(Set(resources) == Set(manifests))
    }

    @Test("memory quantities parse")
    func quantities() throws {
        #expect(try Self.bytes("128Mi") == 134_217_728)
        #expect(try Self.bytes("1Gi") == 1 << 30)
        #expect(throws: PackagingError.self) { try Self.bytes("lots") }
    }
}
