import Foundation
import Hipcall
import HipcallSimulator
import HipcallSync
import HipcallSyncOperations
import Synchronization
import Testing
import TestSupport

/// The scan against lists the simulator never answers: one that ignores its offset, one that fails
/// for a moment.
@Suite struct ReconcileScanTests {
    /// A page of `ids` as Hipcall answers a list, saying the list holds `count`.
    static func page(_ ids: ClosedRange<Int>, count: Int) -> ScriptedServer.Answer {
        let rows = ids.map { #"{"id":\#($0),"external_id":"ERP-\#($0)","name":"Company \#($0)"}"# }.joined(separator: ",")
        return ScriptedServer.Answer(
            status: 200, headers: [("content-type", "application/json")],
            body: #"{"data":[\#(rows)],"meta":{"count":\#(count),"offset":0,"limit":100}}"#)
    }

    static func scan(_ script: @escaping @Sendable (ScriptedServer.Request) async -> ScriptedServer.Answer) async throws
        -> Result<Int, ReconcileScanError>
    {
        let server = try await ScriptedServer.start(script)
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: server.baseURL, token: HipcallToken("scan-token")))
        let state = ReconcileState(scannedAt: .now)
        let outcome: Result<Int, ReconcileScanError>
        do throws(ReconcileScanError) {
            outcome = .success(try await ReconcileScan(lister: PacedLister(client: client, budgetShare: 1)).run(into: state))
        } catch {
            outcome = .failure(error)
        }
        try? await client.shutdown()
        await server.stop()
        return outcome
    }

    @Test(.timeLimit(.minutes(1)))
    func aListThatIgnoresItsOffsetStopsTheScanAtItsSecondPage() async throws {
        let calls = Atomic<Int>(0)
        let outcome = try await Self.scan { _ in
            calls.add(1, ordering: .relaxed)
            return Self.page(1...100, count: 1_000_000)
        }
        guard case .failure(.unordered(.companies, offset: 100)) = outcome else {
            Issue.record("the scan went on: \(outcome)")
            return
        }
        #expect(calls.load(ordering: .relaxed) == 2)
    }

    @Test(.timeLimit(.minutes(1)))
    func aPageThatFailsForAMomentIsTriedAgain() async throws {
        let calls = Atomic<Int>(0)
        let outcome = try await Self.scan { request in
            let call = calls.add(1, ordering: .relaxed).newValue
            if call == 1 { return ScriptedServer.Answer(status: 503, body: #"{"errors":{"detail":"busy"}}"#) }
            return request.target.hasPrefix("/api/v3/companies") ? Self.page(1...3, count: 3) : Self.page(4...4, count: 1)
        }
        #expect(try outcome.get() == 2, "one page a resource")
        #expect(calls.load(ordering: .relaxed) == 3, "the failed call and the two pages")
    }
}
