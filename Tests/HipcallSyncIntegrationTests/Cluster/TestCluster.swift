import AMQPClient
import Foundation
import TestSupport

/// The three-node cluster `ops/cluster` runs (started by `ops/test`), seen by the cluster tests:
/// its AMQP_URL list from `HIPCALL_CLUSTER_URLS` (nodes c1, c2, c3 in that order) and node faults
/// through `ops/cluster` itself.
enum TestCluster {
    /// The environment variable `ops/test` sets to `ops/cluster urls`; the cluster suites run only when it is set.
    static let urlsVariable = "HIPCALL_CLUSTER_URLS"

    /// The nodes' URLs, c1 first; empty when no cluster was started.
    static var urls: [String] {
        (ProcessInfo.processInfo.environment[urlsVariable] ?? "").split(separator: ",").map(String.init)
    }

    /// Whether a cluster was given.
    static var isAvailable: Bool { urls.count == 3 }

    /// The node name `ops/cluster` uses for the URL at `index` of ``urls``.
    static func node(at index: Int) -> String { "c\(index + 1)" }

    /// The node whose URL has `port`, if any.
    static func node(port: Int) throws -> String? {
        for (index, url) in urls.enumerated() where try AMQPConfiguration(url: url).port == port {
            return node(at: index)
        }
        return nil
    }

    /// Runs `ops/cluster COMMAND NODE` and waits for it without blocking a thread of the pool.
    static func run(_ command: String, _ node: String) async throws -> ClusterCommandResult {
        let process = Process()
        process.executableURL = PackagePaths.root.appendingPathComponent("ops/cluster")
        process.arguments = [command, node]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return ClusterCommandResult(command: command, node: node, status: status)
    }

    /// Kills `node` with SIGKILL, runs `body`, and brings the node back (waiting until it rejoined)
    /// whatever `body` did, so that later tests find three nodes.
    static func withNodeKilled<T>(_ node: String, _ body: () async throws -> T) async throws -> T {
        try await run("kill", node).check()
        do {
            let result = try await body()
            try await run("restart", node).check()
            return result
        } catch {
            _ = try? await run("restart", node)
            throw error
        }
    }
}

/// How an `ops/cluster` command ended.
struct ClusterCommandResult: Error, CustomStringConvertible {
    let command: String
    let node: String
    let status: Int32

    /// Throws self unless the command exited 0.
    func check() throws {
        if status != 0 { throw self }
    }

    var description: String { "ops/cluster \(command) \(node) exited \(status)" }
}
