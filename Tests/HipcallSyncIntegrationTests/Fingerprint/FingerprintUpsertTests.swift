import Foundation
import Hipcall
import HipcallJSON
@testable import HipcallSimulator
import Testing
@testable import HipcallSync

/// An in-process engine upserter against a fresh simulator: what each apply costs in API calls.
private struct Engine {
    let simulator: RunningSimulator
    let client: HipcallClient
    let ids = IDCache()
    let ledger = ScanLedger()
    let upserter: Upserter

    static let token = "fingerprint-token"

    init() async throws {
        simulator = try await HipcallSimulator.start(SimulatorConfiguration(port: 0, tokens: [Self.token], rateLimitPerMinute: 6_000))
        client = HipcallClient(configuration: HipcallConfiguration(baseURL: simulator.baseURL, token: HipcallToken(Self.token)))
        upserter = Self.upserter(client: client, ids: ids, ledger: ledger)
    }

    /// Another worker's upserter on the same account, with a cache of its own.
    static func upserter(client: HipcallClient, ids: IDCache, ledger: ScanLedger = ScanLedger()) -> Upserter {
        Upserter(
            caller: HipcallCaller(client: client, limiter: RateLimiter(firstAnswerWait: .zero), metrics: WorkerMetrics()), ids: ids,
            ledger: ledger)
    }

    /// The requests the simulator answered while `body` ran, by `METHOD route`.
    func calls(during body: () async throws -> Void) async throws -> [String: Int] {
        let before = simulator.simulator.stats
        try await body()
        let after = simulator.simulator.stats
        var delta: [String: Int] = [:]
        for method in ["GET", "POST", "PATCH", "DELETE"] {
            for route in Set(after.routes) {
                let count = after.count(method: method, route: route) - before.count(method: method, route: route)
                if count > 0 { delta["\(method) \(route.replacingOccurrences(of: "/api/v3", with: ""))"] = count }
            }
        }
        return delta
    }

    var companies: [HipcallRecord] { simulator.simulator.records(token: Self.token)?.companies ?? [] }

    func stop() async {
        try? await client.shutdown()
        await simulator.stop()
    }
}

extension SimulatorStats {
    /// The route templates counted.
    fileprivate var routes: [String] { entries.map(\.route) }
}

private func company(_ id: String, at seconds: TimeInterval, key: String = "ERP-1", _ data: [String: JSONValue]) -> SyncEvent {
    SyncEvent(
        resource: .companies, eventID: id, occurredAt: Date(timeIntervalSince1970: seconds), externalID: key, data: data)
}

private func phone(_ number: String) -> JSONValue {
    .object(["country": "GB", "number": .string(number)])
}

private let acme: [String: JSONValue] = [
    "name": "Acme", "website_url": "https://acme.example", "description": "",
    "phones": .array([phone("+442045205757"), phone("+442000000000")]), "emails": .array([.object(["email": "Info@Acme.example"])]),
]

@Suite("Fingerprint: no call for no change", .serialized)
struct FingerprintUpsertTests {
    @Test("a repeat of an applied state costs no call, on this worker and on one that learned it from the journal")
    func repeatCostsNothing() async throws {
        let engine = try await Engine()
        let created = try await engine.upserter.apply(company("e-1", at: 1, acme))
        #expect(created.action == .created)
        var repeatData = acme
        // Another order, and an address in another case: the same state for Hipcall.
        repeatData["phones"] = .array([phone("+442000000000"), phone("+442045205757")])
        repeatData["emails"] = .array([.object(["email": "info@acme.EXAMPLE"])])
        repeatData["description"] = .null
        let repeated = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-2", at: 2, repeatData))
            #expect(result.action == .unchanged)
        }
        #expect(repeated == [:])

        // A second worker knows the record only from the journal entry the first one wrote.
        let entry = JournalEntry(event: company("e-2", at: 2, repeatData), hipcallID: created.hipcallID, fingerprint: created.fingerprint)
        let message = JournalEntry.batchMessage([entry])
        let otherIDs = IDCache()
        for read in JournalEntry.entries(headers: message.properties.headers, body: message.body) {
            otherIDs.offer(read.key, read.hipcallID, fingerprint: read.fingerprint)
        }
        let other = Engine.upserter(client: engine.client, ids: otherIDs)
        let elsewhere = try await engine.calls {
            let result = try await other.apply(company("e-3", at: 3, acme))
            #expect(result.action == .unchanged)
        }
        #expect(elsewhere == [:])
        await engine.stop()
    }

    @Test("a changed field is the only one PATCHed; lists are touched only when they differ")
    func onlyTheChangeIsSent() async throws {
        let engine = try await Engine()
        let created = try await engine.upserter.apply(company("e-1", at: 1, acme))
        // An edit in Hipcall's own interface, which the fleet cannot see: a PATCH of every managed
        // field would put the event's website back; a PATCH of the changed name leaves it.
        _ = try await engine.client.update(.companies, id: created.hipcallID, fields: ["website_url": "https://edited.example"])
        var renamed = acme
        renamed["name"] = "Acme Ltd"
        let rename = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-2", at: 2, renamed))
            #expect(result.action == .updated)
        }
        #expect(rename == ["PATCH /companies/:id": 1])
        #expect(engine.companies.first?[string: "name"] == "Acme Ltd")
        #expect(engine.companies.first?[string: "website_url"] == "https://edited.example")

        // The rename's answer showed the edited website, so the fleet now knows Hipcall differs from
        // the CRM there: the next event puts it back, in the PATCH; the phones are diffed against
        // that PATCH's answer (no read).
        var rephoned = renamed
        rephoned["phones"] = .array([phone("+442045205757"), phone("+15550001111")])
        let phones = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-3", at: 3, rephoned))
            #expect(result.action == .updated)
        }
        #expect(phones == ["PATCH /companies/:id": 1, "DELETE /companies/:id/phones/:number": 1, "POST /companies/:id/phones": 1])
        #expect(engine.companies.first?[string: "website_url"] == "https://acme.example")
        #expect(Set(engine.companies.first?.phones.map(\.number) ?? []) == ["+442045205757", "+15550001111"])

        // Only the emails change: no PATCH; the record is read for the stored spellings, then one
        // address is removed and one added.
        var remailed = rephoned
        remailed["emails"] = .array([.object(["email": "sales@acme.example"])])
        let emails = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-4", at: 4, remailed))
            #expect(result.action == .updated)
        }
        #expect(emails == ["GET /companies/:id": 1, "DELETE /companies/:id/emails/:email": 1, "POST /companies/:id/emails": 1])
        #expect(engine.companies.first?.emails.map(\.email) == ["sales@acme.example"])
        // And the fingerprint that left is right: the same state again costs nothing.
        let again = try await engine.calls { _ = try await engine.upserter.apply(company("e-5", at: 5, remailed)) }
        #expect(again == [:])
        await engine.stop()
    }

    @Test("after a finished scan a new key costs exactly one POST; one that exists after all falls back to the lookup")
    func finishedScanCreatesAtOnce() async throws {
        let engine = try await Engine()
        engine.ledger.markFinished(.companies)
        let fresh = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-1", at: 1, key: "NEW-1", ["name": "New"]))
            #expect(result.action == .created)
        }
        #expect(fresh == ["POST /companies": 1])

        // Created outside the fleet after the scan: the POST is refused as taken, then it is looked up.
        _ = engine.simulator.simulator.seed(token: Engine.token, .companies, [["name": "Late", "external_id": "LATE-1"]])
        let late = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-2", at: 2, key: "LATE-1", ["name": "Later"]))
            #expect(result.action == .updated)
        }
        #expect(late == ["POST /companies": 1, "GET /companies/by-external-id/:external_id": 1, "PATCH /companies/:id": 1])
        await engine.stop()
    }

    @Test("a record that vanished, or an apply that failed, leaves no fingerprint that would hide the next event")
    func noFingerprintOutlivesItsRecord() async throws {
        let engine = try await Engine()
        let key = SyncKey(resource: .companies, externalID: "ERP-1")
        _ = try await engine.upserter.apply(company("e-1", at: 1, ["name": "Acme"]))
        #expect(engine.ids.known(key)?.fingerprint != nil)

        // A failed PATCH (Hipcall refuses the field): the fingerprint is forgotten, the id kept.
        await #expect(throws: SyncFailure.self) {
            try await engine.upserter.apply(company("e-2", at: 2, ["name": "Acme", "assign_to_user_id": "not a number"]))
        }
        #expect(engine.ids.known(key)?.fingerprint == nil)
        #expect(engine.ids.get(key) != nil)
        let unknown = try await engine.calls { _ = try await engine.upserter.apply(company("e-3", at: 3, ["name": "Acme"])) }
        #expect(unknown == ["PATCH /companies/:id": 1])

        // The record is deleted outside the fleet. Like an edit in Hipcall's interface, the fingerprint
        // cannot see it: the same state again costs nothing (the reconcile command's job). A change
        // PATCHes, learns of the deletion (404), forgets the id and fingerprint, and creates the record.
        engine.simulator.simulator.reset()
        let blind = try await engine.calls { _ = try await engine.upserter.apply(company("e-4", at: 4, ["name": "Acme"])) }
        #expect(blind == [:])
        let recreated = try await engine.calls {
            let result = try await engine.upserter.apply(company("e-5", at: 5, ["name": "Acme Ltd"]))
            #expect(result.action == .created)
            #expect(engine.ids.known(key)?.id == result.hipcallID)
        }
        #expect(recreated == ["PATCH /companies/:id": 1, "GET /companies/by-external-id/:external_id": 1, "POST /companies": 1])
        #expect(engine.companies.map { $0[string: "name"] } == ["Acme Ltd"])
        await engine.stop()
    }
}
