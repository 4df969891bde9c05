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
