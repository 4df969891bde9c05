import AMQPClient
import Foundation
import Hipcall
import HipcallJSON
import HipcallSimulator
@testable import HipcallSync
import Testing
import TestSupport

/// List scans with worker processes, the simulator and the real broker: chosen for a big backlog on
/// a seeded account (one worker of the fleet scans, every id lands in the journal), not even counted
/// for a small one, counted but not scanned when the account is too large, and resumed after the
/// scanning worker died from the offset it journaled.
@Suite(.serialized) struct ListScanTests {
    /// Seeds `count` companies `SEED-<n>` straight into the simulator: Hipcall holds them, the fleet does not know their ids.
    static func seed(_ world: SyncTestEnvironment, companies count: Int) -> [String: Int64] {
        let fields: [[String: JSONValue]] = (0..<count).map { ["name": .string("Seed \($0)"), "external_id": .string("SEED-\($0)")] }
        let ids = world.simulator.simulator.seed(token: world.token, .companies, fields)
        return Dictionary(uniqueKeysWithValues: zip((0..<count).map { "SEED-\($0)" }, ids.compactMap { $0 }))
    }

    /// Publishes a name change for `SEED-0` ... `SEED-<count - 1>`.
    static func publishChanges(_ world: SyncTestEnvironment, count: Int) async throws {
        for index in 0..<count {
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(externalID: "SEED-\(index)", data: #"{"name":"Changed \#(index)"}"#))
        }
    }

    /// List calls answered for `resource` (the count calls and the pages), less the `limit=1` probe
    /// each of `workers` started sends to check its token and base URL.
    static func listCalls(_ world: SyncTestEnvironment, _ resource: String = "companies", workers: Int = 1) -> Int {
        let calls = world.simulator.simulator.stats.count(method: "GET", route: "/api/v3/\(resource)")
        return resource == "companies" ? calls - workers : calls
    }

    @Test(.timeLimit(.minutes(2)))
    func aBigBacklogOnASeededAccountIsScannedByOneWorkerAndEveryIDIsJournaled() async throws {
        try await withSyncEnvironment(rateLimitPerMinute: 1_200) { world in
            let ids = Self.seed(world, companies: 1_000)
            // 200 messages: about 100 lookups against a scan of 1 + 10 calls.
            try await Self.publishChanges(world, count: 200)
            for _ in 0..<2 { try world.startWorker(["--concurrency", "2"]) }
            let finished = try await world.waitUntil(timeout: .seconds(60)) {
                try await JournalRead(world).scans.contains { $0.kind == .finished && $0.resource == .companies }
            }
            #expect(finished, "the companies' scan never finished")
            let journal = try await JournalRead(world)
            let observed = journal.entries.filter { $0.isObserved && $0.key.resource == .companies }
            // Every seeded record once, with its id: one worker scanned, no page was read twice.
            #expect(observed.count == 1_000)
            #expect(Dictionary(observed.map { ($0.key.externalID, $0.hipcallID) }, uniquingKeysWith: { a, _ in a }) == ids)
            #expect(observed.allSatisfy { $0.fingerprint != nil })
            let scanners = Set(journal.scans.filter { $0.resource == .companies && $0.kind != .claim }.map(\.worker))
            #expect(scanners.count == 1, "workers \(scanners) reported pages")
            // Ten pages (the last one short of full ends the scan: 1,000 is a multiple of 100, so an
            // empty eleventh page) plus a count call by each of the two workers at most.
            let lists = Self.listCalls(world, workers: 2)
            #expect(lists >= 11 && lists <= 13, "\(lists) list calls")
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= 200 })
            let lookups = world.simulator.simulator.stats.count(method: "GET", route: "/api/v3/companies/by-external-id/:external_id")
            #expect(lookups < 100, "\(lookups) lookups for 200 events on known records")
            #expect(world.records.companies.count == 1_000, "a seeded record was created again")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aSmallBacklogSpendsOneCountCallAndScansOnlyAnEmptyList() async throws {
        try await withSyncEnvironment { world in
            _ = Self.seed(world, companies: 5_000)
            try await Self.publishChanges(world, count: 50)
            try world.startWorker()
            #expect(try await world.waitUntil { await world.settledEvents() >= 50 })
            try await Task.sleep(for: .seconds(1))
            // 5,000 companies: counted (one call), not scanned for 50 messages. No contacts: the count
            // says the list is empty, which finishes its scan without a page.
            #expect(Self.listCalls(world) == 1, "the count call only")
            #expect(Self.listCalls(world, "contacts") == 1, "the count call only")
            let scans = try await JournalRead(world).scans
            #expect(scans.allSatisfy { $0.resource == .contacts })
            #expect(scans.contains { $0.resource == .contacts && $0.kind == .finished })
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aBacklogTooSmallForTheAccountIsCountedOnceAndNotScanned() async throws {
        try await withSyncEnvironment { world in
            // 20,000 records: 201 calls to scan; 150 messages: about 75 lookups.
            _ = Self.seed(world, companies: 20_000)
            try await Self.publishChanges(world, count: 150)
            try world.startWorker()
            #expect(try await world.waitUntil { await world.settledEvents() >= 150 })
            #expect(Self.listCalls(world) == 1, "the count call only")
            #expect(try await JournalRead(world).scans.allSatisfy { $0.resource == .contacts })
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aScanResumedAfterTheScannerDiedDoesNotReadItsJournaledPagesAgain() async throws {
        // 240 a minute: the scan reads about a page a second beside the upserts.
        try await withSyncEnvironment(rateLimitPerMinute: 240) { world in
            let ids = Self.seed(world, companies: 3_000)
            try await Self.publishChanges(world, count: 600)
            let first = try world.startWorker(["--concurrency", "2"])
            #expect(try await world.waitUntil(timeout: .seconds(60)) {
                try await JournalRead(world).scans.filter { $0.kind == .progress && $0.resource == .companies }.count >= 5
            })
            first.kill()
            let before = try await JournalRead(world)
            let journaled = before.scans.filter { $0.kind == .progress && $0.resource == .companies }.map(\.offset).max() ?? 0
            let listsBefore = Self.listCalls(world)
            // The next worker waits for the dead one's claim to go stale (30 s), then takes over.
            try world.startWorker(["--concurrency", "2"])
            #expect(try await world.waitUntil(timeout: .seconds(120)) {
                try await JournalRead(world).scans.contains { $0.kind == .finished && $0.resource == .companies }
            })
            let after = try await JournalRead(world)
            let takeover = try #require(after.scans.last { $0.kind == .claim && $0.resource == .companies })
            #expect(takeover.offset == journaled, "the second scanner started at \(takeover.offset), not at \(journaled)")
            // Pages left from the journaled offset, plus its count call, plus at most the one page the
            // dead worker read and had not journaled yet.
            let pagesLeft = (3_000 - journaled) / 100 + 1
            let listsAfter = Self.listCalls(world, workers: 2) - listsBefore
            #expect(listsAfter <= pagesLeft + 1, "\(listsAfter) list calls after the restart for \(pagesLeft) pages left")
            let observed = after.entries.filter { $0.isObserved && $0.key.resource == .companies }
            #expect(Set(observed.map(\.key.externalID)) == Set(ids.keys))
            #expect(observed.count <= 3_000 + 100, "\(observed.count) rows journaled for 3,000 records")
        }
    }
}

/// Everything in a world's journal stream at the time of reading: its entries and its scan messages.
/// Reads from the first message until a sentinel of its own comes back.
struct JournalRead {
    var entries: [JournalEntry] = []
    var scans: [ScanMessage] = []

    init(_ world: SyncTestEnvironment) async throws {
        let channel = try await world.connection.openChannel()
        try await channel.qos(prefetchCount: 2_000)
        let stream = world.topology.journalStream
        let consumer = try await channel.consume(queue: stream, arguments: ["x-stream-offset": "first"])
        let sentinel = "test-reader-\(UUID().uuidString)"
        _ = try await world.channel.publish(
            exchange: "", routingKey: stream, body: [], properties: JournalEntry.markerProperties(worker: sentinel))
        for try await delivery in consumer {
            entries += JournalEntry.entries(headers: delivery.headers, body: delivery.body)
            if let scan = ScanMessage(headers: delivery.headers, body: delivery.body) { scans.append(scan) }
            try? delivery.ack()
            if JournalEntry.marker(in: delivery.headers) == sentinel { break }
        }
        try? await consumer.cancel()
        try? await channel.close()
    }
}
