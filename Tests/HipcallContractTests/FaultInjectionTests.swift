import Foundation
@testable import Hipcall
import HipcallSimulator
import Testing

/// The simulator's injected faults, as the client types them.
@Suite(.enabled(if: Target.isSimulator, "fault injection exists only in the simulator"))
struct FaultInjectionTests {
    @Test func anErrorRateOfOneGivesRetryable5xxAndChangesNothing() async throws {
        try await Harness.with { h in
            h.sim.faults = SimulatorFaults(errorRate: 1)
            for _ in 1...5 {
                let error = try await expectHipcallError { try await h.client.create(.companies, fields: ["name": "Acme", "external_id": "e"]) }
                #expect([500, 502, 503].contains(error.status ?? 0))
                #expect(error.isRetryable)
                #expect(error.rateLimit != nil)
            }
            h.sim.faults = SimulatorFaults()
            #expect(try await h.client.record(.companies, externalID: "e").value == nil)
        }
    }

    @Test func aStallOutlastsTheClientTimeoutAndIsTypedAsATimeout() async throws {
        try await Harness.with(requestTimeout: .milliseconds(300)) { h in
            // The stall is long next to the 300 ms timeout, so a loaded machine cannot make the answer
            // arrive (or the client give up) on the wrong side of it.
            h.sim.faults = SimulatorFaults(stallRate: 1, stallSeconds: 3)
            let started = ContinuousClock.now
            let error = try await expectHipcallError { try await h.client.record(.companies, externalID: "x") }
            #expect(ContinuousClock.now - started < .seconds(2.5))
            #expect(error.status == nil)
            #expect(error.transport == .timeout)
            #expect(error.isRetryable)
            h.sim.faults = SimulatorFaults()
        }
    }

    @Test func latencyIsAdded() async throws {
        try await Harness.with { h in
            _ = try await h.client.record(.companies, externalID: "warm-up")
            h.sim.faults = SimulatorFaults(latencyMs: 200, jitterMs: 50)
            let started = ContinuousClock.now
            _ = try await h.client.record(.companies, externalID: "x")
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(200))
            #expect(elapsed < .seconds(2))
        }
    }

    @Test func faultsCanBeSetOverHTTP() async throws {
        try await Harness.with { h in
            let url = h.client.configuration.baseURL + "/_sim/faults"
            let put = try await rawRequest(.PUT, url, body: ["error_rate": 1, "latency_ms": 5])
            #expect(put.status == 200)
            #expect(put.json?["error_rate"]?.numberValue == 1)
            #expect(put.json?["latency_ms"] == .int(5))
            #expect(h.sim.faults.errorRate == 1)
            #expect(try await expectHipcallError { try await h.client.record(.contacts, externalID: "x") }.isRetryable)
            let bad = try await rawRequest(.PUT, url, body: ["error_rate": 2])
            #expect(bad.status == 400)
            let reset = try await rawRequest(.PUT, url, body: ["error_rate": 0, "latency_ms": 0])
            #expect(reset.json?["error_rate"]?.numberValue == 0)
            #expect(try await h.client.record(.contacts, externalID: "x").value == nil)
        }
    }
}
