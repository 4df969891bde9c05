import AMQPClient
import Foundation
import HipcallSync
import Testing
import Yams

/// ops/kubernetes/rabbitmq (the three-node cluster and the fleet's user on it) and
/// ops/kubernetes/partitioned (the partitioned mode's overlay) against the topology they serve.
@Suite("ops/kubernetes cluster manifests")
struct KubernetesClusterTests {
    func documents(_ path: String) throws -> [[String: Any]] {
        try Repository.yamlDocuments(path).compactMap { $0 as? [String: Any] }
    }

    func object(_ kind: String, in path: String) throws -> [String: Any] {
        let found = try documents(path).filter { scalarText($0["kind"]) == kind }
        #expect(found.count == 1, "one \(kind) in \(path)")
        return try #require(found.first)
    }

    /// The release of a `rabbitmq:<major>.<minor>.<patch>[-suffix]` image, as numbers.
    static func release(of image: String) -> [Int]? {
        guard image.hasPrefix("rabbitmq:") else { return nil }
        let tag = image.dropFirst("rabbitmq:".count).split(separator: "-").first ?? ""
        let numbers = tag.split(separator: ".").compactMap { Int($0) }
        return numbers.count == 3 ? numbers : nil
    }

    @Test("three nodes (a majority survives one loss), the consistent-hash plugin, per-queue metrics, dead-letter re-sends after 10 s, TLS only")
    func cluster() throws {
        let spec = try requireMap(try object("RabbitmqCluster", in: "ops/kubernetes/rabbitmq/rabbitmq-cluster.yaml")["spec"], "spec")
        #expect(scalarText(spec["replicas"]) == "3")
        let rabbitmq = try spec.map("rabbitmq")
        #expect(try rabbitmq.list("additionalPlugins").compactMap(scalarText).contains("rabbitmq_consistent_hash_exchange"))
        #expect(try rabbitmq.string("additionalConfig").contains("prometheus.return_per_object_metrics = true"))
        // A retry the failed node's leader did not confirm comes back after 10 s, not 3 minutes, as on ops/cluster's nodes.
        let redelivery = "{dead_letter_worker_publisher_confirm_timeout, 10000}"
        #expect(try rabbitmq.string("advancedConfig").contains(redelivery))
        #expect(try Repository.text("ops/lib/cluster.sh").contains(redelivery))
        let tls = try spec.map("tls")
        #expect(tls["disableNonTLSListeners"] as? Bool == true)
        #expect(scalarText(tls["secretName"]) != nil && scalarText(tls["caSecretName"]) != nil)
    }

    @Test("the cluster and compose run one pinned release with the binding-weight fix (3.13.15 or later)")
    func pinnedRelease() throws {
        let spec = try requireMap(try object("RabbitmqCluster", in: "ops/kubernetes/rabbitmq/rabbitmq-cluster.yaml")["spec"], "spec")
        let image = try spec.string("image")
        let release = try #require(Self.release(of: image), "\(image) pins major.minor.patch")
        #expect(release.lexicographicallyPrecedes([3, 13, 15]) == false, "\(image) is older than 3.13.15")
        let compose = try requireMap(Repository.yaml("docker/compose.yaml"), "compose")
        let broker = try compose.map("services").map("rabbitmq")
        #expect(scalarText(broker["image"]) == image)
        #expect(Self.release(of: "rabbitmq:3.13-management") == nil, "a floating tag is not a pin")
    }

    @Test("the fleet's permissions cover every object it declares and publishes through, and nothing else")
    func permissions() throws {
        let spec = try requireMap(try object("Permission", in: "ops/kubernetes/rabbitmq/topology.yaml")["spec"], "spec")
        let permissions = try spec.map("permissions")
        func regex(_ key: String) throws -> NSRegularExpression { try NSRegularExpression(pattern: try permissions.string(key)) }
        func matches(_ expression: NSRegularExpression, _ name: String) -> Bool {
            expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        let configure = try regex("configure")
        let write = try regex("write")
        let read = try regex("read")
        for topology in [SyncTopology(), SyncTopology(partitions: 8)] {
            let names = topology.queues.map(\.name) + topology.exchanges.map(\.name) + ["\(topology.prefix).presence.worker-1"]
            for name in names {
                #expect(matches(configure, name), "configure \(name)")
                #expect(matches(write, name), "write \(name)")
                #expect(matches(read, name), "read \(name)")
            }
        }
        #expect(matches(write, "amq.default"), "retries and replays go through the default exchange")
        #expect(!matches(configure, "other-app.work") && !matches(write, "other-app.work"))
    }

    @Test("the leader policy applies to the work, partition and retry queues")
    func leaderPolicy() throws {
        let spec = try requireMap(try object("Policy", in: "ops/kubernetes/rabbitmq/topology.yaml")["spec"], "spec")
        let pattern = try NSRegularExpression(pattern: try spec.string("pattern"))
        #expect(try spec.string("applyTo") == "queues")
        for name in SyncTopology(partitions: 8).queues.map(\.name) + [SyncTopology().workQueue] {
            #expect(pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil, "\(name)")
        }
    }

    @Test("the rabbitmq kustomization lists every manifest of its folder")
    func rabbitmqKustomization() throws {
        let kustomization = try requireMap(Repository.yaml("ops/kubernetes/rabbitmq/kustomization.yaml"), "kustomization")
        let resources = Set(try kustomization.list("resources").compactMap(scalarText))
        let manifests = try Repository.files(in: "ops/kubernetes/rabbitmq", suffixes: [".yaml"])
            .map { String($0.dropFirst("ops/kubernetes/rabbitmq/".count)) }.filter { $0 != "kustomization.yaml" }
        #expect(resources == Set(manifests))
    }

    @Test("the partitioned overlay: PARTITIONS set, KEDA sums exactly the partition queues, no more replicas than partitions")
    func partitionedOverlay() throws {
        let kustomization = try requireMap(Repository.yaml("ops/kubernetes/partitioned/kustomization.yaml"), "kustomization")
        #expect(try kustomization.list("resources").compactMap(scalarText) == [".."])
        var operations: [String: [[String: Any]]] = [:]
        for case let patch as [String: Any] in try kustomization.list("patches") {
            let kind = try patch.map("target").string("kind")
            let parsed = try Yams.load(yaml: try patch.string("patch")) as? [Any] ?? []
            operations[kind, default: []] += parsed.compactMap { Repository.normalized($0) as? [String: Any] }
        }
        let environment = try #require(operations["Deployment"]?.compactMap { $0["value"] as? [String: Any] }.first { scalarText($0["name"]) == "PARTITIONS" })
        let partitions = try #require(scalarText(environment["value"]).flatMap { Int($0) })
        let scaled = operations["ScaledObject"] ?? []
        let maximum = try #require(scaled.first { scalarText($0["path"]) == "/spec/maxReplicaCount" }.flatMap { scalarText($0["value"]) }.flatMap { Int($0) })
        #expect(maximum <= partitions, "replicas beyond \(partitions) partitions would sit idle")
        let trigger = try #require(scaled.first { scalarText($0["path"]) == "/spec/triggers/0/metadata" }?["value"] as? [String: Any])
        #expect(scalarText(trigger["useRegex"]) == "true" && scalarText(trigger["protocol"]) == "http")
        let pattern = try NSRegularExpression(pattern: try trigger.string("queueName"))
        let topology = SyncTopology(partitions: partitions)
        for name in topology.queues.map(\.name) {
            let matched = pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
            let isPartition = (0..<partitions).map(topology.partitionQueue).contains(name)
            #expect(matched == isPartition, "\(name): \(matched ? "counted" : "not counted")")
        }
    }

    @Test("the example AMQP_URL lists three nodes, each verifying its certificate")
    func nodeList() throws {
        let secret = try #require(try documents("ops/kubernetes/secrets.example.yaml").first { (try? requireMap($0["metadata"], "").string("name")) == "hipcall-sync-amqp" })
        let list = try AMQPAddressList(list: try requireMap(secret["stringData"], "stringData").string("url"))
        #expect(list.addresses.count == 3)
        #expect(Set(list.addresses.map(\.host)).count == 3)
        for address in list.addresses {
            #expect(address.tls?.verifyPeer == true && address.tls?.caCertificateFile == "/etc/hipcall-sync/rabbitmq-ca/ca.crt")
        }
    }
}
