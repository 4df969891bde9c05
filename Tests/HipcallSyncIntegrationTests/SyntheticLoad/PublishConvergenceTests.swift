import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
@testable import HipcallSyncOperations
import TestSupport
import Testing

@Suite("hipcall-sync publish drives a worker to the state its expect file names", .serialized)
struct PublishConvergenceTests {
    @Test("out of order, with duplicates and poison: records match the expect file and every poison event is dead-lettered")
    func convergence() async throws {
        try await withSyncEnvironment { world in
        try world.startWorker()
        let expectURL = PublishCommandTests.temporaryFile("expect.json")
        defer { try? FileManager.default.removeItem(at: expectURL) }
        let run = try await PublishCommandTests.publish(
            world,
            [
                "--count", "400", "--keys", "60", "--seed", "11", "--out-of-order", "--duplicate-ratio", "0.1",
                "--invalid-ratio", "0.1", "--expect-file", expectURL.path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: expectURL)).objectValue)
        let keys = (expected["companies"]?.objectValue?.count ?? 0) + (expected["contacts"]?.objectValue?.count ?? 0)
        #expect(keys > 0, "the expect file names no key")
        let settled = try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= 400 }
        let left = try await world.depth(world.topology.workQueue)
        #expect(settled, "the work queue still holds \(left) messages")

        // The one convergence check, as ops/chaos and ops/bench run it.
        let verify = try await Self.verify(world, expectFiles: [expectURL.path])
        #expect(verify.status == 0, "publish verify exited \(verify.status): \(verify.stderr)")
        let report = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(verify.stdout.utf8)).objectValue)
        #expect(report["converged"] == .bool(true), "\(report["problems"] ?? .null)")
        #expect(report["expected"] == .int(Int64(keys)))
        #expect(report["invalid"] == expected["invalid"])
        let deadLetters = try await world.takeDeadLetters()
        #expect(deadLetters.count == expected["invalid"]?.intValue.map(Int.init))
        // Read as `dead-letters` reads them: an oversized poison body is refused unread and dead-lettered
        // by RabbitMQ (no x-hipcall-* header), and still reads as an invalid event.
        #expect(deadLetters.allSatisfy { DeadLetter($0).errorClass == "invalid_event" })
        }
    }

    /// Runs `hipcall-sync publish verify --json` against `world`'s simulator with its token.
    static func verify(_ world: SyncTestEnvironment, expectFiles: [String]) async throws -> PublishCommandTests.Run {
        let (baseURL, token) = (world.simulator.baseURL, world.token)
        return try await offThePool {
            let process = Process()
            process.executableURL = SyncTestEnvironment.binary
            process.arguments = ["publish", "verify", "--hipcall-base-url", baseURL, "--json"] + expectFiles.flatMap { ["--expect", $0] }
            var environment = ProcessInfo.processInfo.environment
            environment["HIPCALL_TOKEN"] = token
            environment["HIPCALL_TOKEN_FILE"] = nil
            process.environment = environment
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let stdout = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return PublishCommandTests.Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }
}
