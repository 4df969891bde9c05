import Hipcall
import Logging
import Testing
@testable import HipcallSync

/// The gate that holds deliveries while the worker is paused.
@Suite struct PauseGateTests {
    @Test func anOpenGateLetsDeliveriesPass() async {
        let gate = PauseGate()
        #expect(await gate.pass() == .open)
        #expect(!gate.isClosed)
    }

    @Test func aClosedGateHoldsDeliveriesUntilItOpens() async {
        let gate = PauseGate()
        #expect(gate.close(.misconfigured("tried GET x")))
        #expect(!gate.close(.auth(status: 401)), "only the first closer logs the pause")
        #expect(gate.pause?.reason == .misconfigured("tried GET x"))
        await withTaskGroup(of: PauseGate.Passage.self) { group in
            group.addTask { await gate.pass() }
            group.addTask { await gate.pass() }
            await Self.untilHeld(gate, count: 2)
            gate.open()
            for await passage in group { #expect(passage == .open) }
        }
    }

    @Test func aCancelledWaitEndsAtOnceAndLeavesTheGateClosed() async {
        let gate = PauseGate()
        _ = gate.close(.auth(status: 401))
        await withTaskGroup(of: PauseGate.Passage.self) { group in
            group.addTask { await gate.pass() }
            await Self.untilHeld(gate, count: 1)
            group.cancelAll()
            #expect(await group.next() == .cancelled)
        }
        #expect(gate.isClosed)
        let waitedForOpen = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await gate.waitUntilOpen() }
            group.cancelAll()
            return await group.next()!
        }
        #expect(!waitedForOpen)
    }

    @Test func returnHeldGivesBackHeldAndLaterDeliveriesOfThatPauseOnly() async {
        let gate = PauseGate()
        _ = gate.close(.auth(status: 403))
        let pause = gate.pause!.number
        await withTaskGroup(of: PauseGate.Passage.self) { group in
            group.addTask { await gate.pass() }
            await Self.untilHeld(gate, count: 1)
            #expect(gate.returnHeld(pause: pause) == 1)
            #expect(await group.next() == .returned)
        }
        #expect(await gate.pass() == .returned, "a delivery arriving later in the same pause goes back too")
        gate.open()
        #expect(await gate.pass() == .open)
        _ = gate.close(.auth(status: 403))
        #expect(gate.returnHeld(pause: pause) == 0, "an old pause's limit does not touch a new pause")
        #expect(gate.pause?.number == pause + 1)
    }

    @Test func outlastingReportsAPauseThatLasted() async {
        let gate = PauseGate()
        _ = gate.close(.auth(status: 401))
        let pause = await gate.outlasting(.milliseconds(20))
        #expect(pause?.number == gate.pause?.number)
    }

    /// Waits until `count` deliveries wait at the gate (they register synchronously once scheduled).
    private static func untilHeld(_ gate: PauseGate, count: Int) async {
        while gate.heldCount < count { await Task.yield() }
    }
}

/// The prober that reopens the gate.
@Suite struct PauseProberTests {
    @Test func aCancelledProberNeverOpensTheGate() async throws {
        // Nothing listens on port 9 (discard): every probe fails, and the prober is then cancelled.
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: "http://127.0.0.1:9", token: HipcallToken("t")))
        let gate = PauseGate()
        let prober = PauseProber(
            caller: HipcallCaller(client: client, limiter: RateLimiter(), metrics: WorkerMetrics()), gate: gate,
            interval: .milliseconds(10), metrics: WorkerMetrics(), logger: Logger(label: "test"))
        _ = gate.close(.auth(status: 401))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await prober.run() }
            try? await Task.sleep(for: .milliseconds(100))
            group.cancelAll()
        }
        #expect(gate.isClosed, "only an answer from Hipcall opens the gate")
        try await client.shutdown()
    }

    @Test func aCheckOfAnUnreachableAPIIsUnavailableNotAPause() async throws {
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: "http://127.0.0.1:9", token: HipcallToken("t")))
        let prober = PauseProber(
            caller: HipcallCaller(client: client, limiter: RateLimiter(), metrics: WorkerMetrics()), gate: PauseGate(),
            interval: .seconds(1), metrics: WorkerMetrics(), logger: Logger(label: "test"))
        guard case .unavailable = await prober.check() else {
            Issue.record("a refused connection says nothing about the setup")
            return
        }
        try await client.shutdown()
    }
}
