@testable import AMQPClient
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HipcallSimulator
@testable import HipcallSync
import Synchronization
import TestSupport
import Testing

/// A worker whose base URL is not Hipcall's API root pauses and dead-letters nothing; a base URL
/// ending in /api/v3 works; a 408 is retried; a cancelled upsert is no failure.
@Suite(.serialized) struct MisconfigurationTests {
    @Test("a wrong base URL pauses (readyz 503, one log line naming HIPCALL_BASE_URL), returns held deliveries after the hold limit, dead-letters nothing, and resumes once the URL answers like Hipcall")
    func wrongBaseURLPauses() async throws {
        try await withSyncEnvironment { world in
            let fixed = Flag()
            try await withScriptedServer({ request in
                guard fixed.isSet else {
                    return .init(status: 404, headers: [("content-type", "text/html")], body: "<html><body>Not Found</body></html>")
                }
                return await forward(request, to: world.simulator.baseURL)
            }) { proxy in
                let worker = try world.startWorker([
                    "--hipcall-base-url", proxy.baseURL, "--auth-probe-interval", "300ms", "--pause-hold-limit", "2s",
                    "--log-level", "info",
                ])
                for index in 0..<5 {
                    try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "M-\(index)", data: #"{"name":"Misconfigured \#(index)"}"#))
                }
                #expect(try await world.waitUntil { await readiness(worker).status == 503 })
                let (_, reason) = await readiness(worker)
                #expect(reason.contains("HIPCALL_BASE_URL"), "readyz said \(reason)")
                // Past the hold limit the deliveries are back in the queue and the worker has no consumer on it.
                #expect(try await world.waitUntil {
                    let info = try await world.connection.openChannel().declareQueue(world.topology.workQueue, passive: true)
                    return info.messageCount == 5 && info.consumerCount == 0
                })
                #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
                #expect(world.records.companies.isEmpty)
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).worker0.log")
                let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter { $0.contains("HIPCALL_BASE_URL") }
                #expect(lines.count == 1, "\(lines)")
                #expect(lines.first?.contains(proxy.baseURL + "/api/v3/companies") == true, "the line names the URL tried")
                #expect(lines.first?.contains(world.token) == false)
                // The URL starts answering like Hipcall: the probe resumes consumption and everything syncs.
                fixed.set()
                #expect(try await world.waitUntil { world.records.companies.count == 5 })
                #expect(await readiness(worker).status == 200)
                #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            }
        }
    }

    @Test("partitioned: a pause past the hold limit closes the partitions (deliveries back in their queues), dead-letters nothing, and resumes when the URL answers like Hipcall")
    func partitionedPauseHoldLimit() async throws {
        try await withSyncEnvironment(partitions: 2) { world in
            let fixed = Flag()
            try await withScriptedServer({ request in
                guard fixed.isSet else { return .init(status: 302, headers: [("location", "https://example.com/login")]) }
                return await forward(request, to: world.simulator.baseURL)
            }) { proxy in
                let worker = try world.startWorker([
                    "--hipcall-base-url", proxy.baseURL, "--auth-probe-interval", "300ms", "--pause-hold-limit", "2s",
                ])
                for index in 0..<4 {
                    try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "PM-\(index)", data: #"{"name":"Paused \#(index)"}"#))
                }
                // Back in the partition queues (with the balancer's probes), and nobody consumes them.
                #expect(try await world.waitUntil {
                    var ready: UInt32 = 0
                    for index in 0..<world.topology.partitions {
                        let info = try await world.connection.openChannel().declareQueue(world.topology.partitionQueue(index), passive: true)
                        guard info.consumerCount == 0 else { return false }
                        ready += info.messageCount
                    }
                    return ready >= 4
                })
                #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
                #expect(world.records.companies.isEmpty)
                fixed.set()
                #expect(try await world.waitUntil(timeout: .seconds(60)) { world.records.companies.count == 4 })
                #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
                #expect(await worker.terminate() == 0, "SIGTERM ends the partitioned session")
            }
        }
    }

    @Test("an event whose own request keeps failing like a misconfiguration while the API answers the probe is retried and dead-lettered, not paused on forever")
    func oneRequestRefusedOnTheWay() async throws {
        try await withSyncEnvironment { world in
            try await withScriptedServer({ request in
                if request.method == "POST", String(decoding: request.body, as: UTF8.self).contains("BLOCKED") {
                    return .init(status: 404, headers: [("content-type", "text/html")], body: "<h1>Blocked by a proxy rule</h1>")
                }
                return await forward(request, to: world.simulator.baseURL)
            }) { proxy in
                let worker = try world.startWorker([
                    "--hipcall-base-url", proxy.baseURL, "--auth-probe-interval", "300ms", "--max-attempts", "2",
                ])
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "BLOCKED", data: #"{"name":"Blocked"}"#))
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "FINE", data: #"{"name":"Fine"}"#))
                #expect(try await world.waitUntil { try await world.depth(world.topology.deadLetterQueue) == 1 })
                let letter = try #require(try await world.takeDeadLetters().first)
                #expect(letter.headers[SyncHeaders.errorClass]?.stringValue == "transient")
                #expect(letter.headers[SyncHeaders.error]?.stringValue?.contains("not JSON") == true)
                #expect(world.records.companies.map(\.externalID) == ["FINE"])
                #expect(try await world.waitUntil { await readiness(worker).status == 200 })
            }
        }
    }

    @Test("a base URL ending in /api/v3, as the guide writes it, syncs")
    func baseURLWithAPIPath() async throws {
        try await withSyncEnvironment { world in
            let worker = try world.startWorker(["--hipcall-base-url", world.simulator.baseURL + "/api/v3/"])
            try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "V3-1", data: #"{"name":"Guide"}"#))
            #expect(try await world.waitUntil { world.records.companies.map(\.externalID) == ["V3-1"] })
            #expect(await readiness(worker).status == 200)
        }
    }

    @Test("a 408 from a load balancer is retried and then applied")
    func requestTimeoutRetried() async throws {
        try await withSyncEnvironment { world in
            let timedOut = Flag()
            try await withScriptedServer({ request in
                if request.method == "POST", request.target == "/api/v3/companies", !timedOut.isSet {
                    timedOut.set()
                    return .init(status: 408, headers: [("content-type", "text/html")], body: "<h1>408 Request Time-out</h1>")
                }
                return await forward(request, to: world.simulator.baseURL)
            }) { proxy in
                let worker = try world.startWorker(["--hipcall-base-url", proxy.baseURL])
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "T-408", data: #"{"name":"Timed out"}"#))
                #expect(try await world.waitUntil { world.records.companies.count == 1 })
                #expect(timedOut.isSet)
                #expect(await worker.events(["retried"]) == 1)
                #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            }
        }
    }

    @Test("an upsert cancelled by shutdown publishes no retry copy and spends no attempt")
    func cancelledUpsertIsReturnedAsItIs() async throws {
        try await withSyncEnvironment { world in
            let posted = Flag()
            try await withScriptedServer({ request in
                if request.method == "POST" {
                    posted.set()
                    try? await Task.sleep(for: .seconds(30))
                    return .init(status: 504)
                }
                return await forward(request, to: world.simulator.baseURL)
            }) { proxy in
                let worker = try world.startWorker(["--hipcall-base-url", proxy.baseURL, "--shutdown-grace", "1s"])
                try await world.publish("company.changed", SyncTestEnvironment.event(externalID: "C-1", data: #"{"name":"Cancelled"}"#))
                #expect(try await world.waitUntil { posted.isSet })
                let status = await worker.terminate()
                #expect(status == 0)
                for index in world.topology.retryDelays.indices {
                    #expect(try await world.depth(world.topology.retryQueue(index)) == 0, "retry queue \(index)")
            }
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
            let message = try #require(try await world.channel.get(queue: world.topology.workQueue))
            #expect(message.delivery.headers[SyncHeaders.attempts] == nil, "no attempt spent")
            // Not handled as a failure at all: no retry copy was even tried.
            let log = try String(
                contentsOf: FileManager.default.temporaryDirectory.appendingPathComponent("\(world.topology.prefix).worker0.log"), encoding: .utf8)
            #expect(!log.contains("event not synced") && !log.contains("could not move the event"), "\(log)")
            try message.delivery.ack()
            }
        }
    }
}

/// Runs `body` with a scripted server answering with `script`, and stops the server afterwards.
private func withScriptedServer<T>(
    _ script: @escaping @Sendable (ScriptedServer.Request) async -> ScriptedServer.Answer, _ body: (RunningScriptedServer) async throws -> T
) async throws -> T {
    let server = try await ScriptedServer.start(script)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A flag set once, read from any task.
private final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Forwards `request` to `base` (a simulator) and returns its answer.
private func forward(_ request: ScriptedServer.Request, to base: String) async -> ScriptedServer.Answer {
    guard let url = URL(string: base + request.target) else { return .init(status: 400) }
    var forwarded = URLRequest(url: url)
    forwarded.httpMethod = request.method
    for (name, value) in request.headers where !["host", "content-length", "connection"].contains(name) {
        forwarded.addValue(value, forHTTPHeaderField: name)
    }
    if !request.body.isEmpty { forwarded.httpBody = Data(request.body) }
    guard let (data, response) = try? await URLSession.shared.data(for: forwarded), let http = response as? HTTPURLResponse else {
        return .init(status: 502)
    }
    let headers = http.allHeaderFields.compactMap { name, value -> (name: String, value: String)? in
        guard let name = name as? String, let value = value as? String, name.lowercased() != "content-length" else { return nil }
        return (name.lowercased(), value)
    }
    return .init(status: http.statusCode, headers: headers, body: String(decoding: data, as: UTF8.self))
}
