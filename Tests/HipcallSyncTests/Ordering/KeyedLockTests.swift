import TestSupport
import Testing
@testable import HipcallSync

private let a = SyncKey(resource: .companies, externalID: "A")
private let b = SyncKey(resource: .companies, externalID: "B")

@Suite struct KeyedLockTests {
    @Test func oneKeyNeverOverlaps() async {
        let lock = KeyedLock()
        let overlap = Overlap()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await lock.withLock(keys: [a]) {
                        await overlap.enter()
                        await Task.yield()
                        try? await Task.sleep(for: .milliseconds(1))
                        await overlap.leave()
                    }
                }
            }
        }
        #expect(await overlap.maximum == 1)
        #expect(lock.waiterCount == 0)
        #expect(!lock.isHeld(a))
    }

    @Test func differentKeysRunInParallel() async {
        let lock = KeyedLock()
        let bInside = Gate()
        let holder = Task {
            await lock.withLock(keys: [a]) {
                // Succeeds only if the task on B can enter while A is held.
                await eventually { await bInside.isOpen }
            }
        }
        await lock.withLock(keys: [b]) { await bInside.open() }
        #expect(await holder.value)
    }

    @Test func waitersAreServedFirstInFirstOut() async {
        let lock = KeyedLock()
        let gate = Gate()
        let order = Recorder<Int>()
        let holder = Task { await lock.withLock(keys: [a]) { await gate.wait() } }
        #expect(await eventually { lock.isHeld(a) })
        var tasks: [Task<Void, Never>] = []
        for index in 0..<5 {
            tasks.append(Task { await lock.withLock(keys: [a]) { await order.append(index) } })
            #expect(await eventually { lock.waitingCount(for: a) == index + 1 })
        }
        #expect(lock.waiterCount == 5)
        await gate.open()
        await holder.value
        for task in tasks { await task.value }
        #expect(await order.items == [0, 1, 2, 3, 4])
        #expect(!lock.isHeld(a))
    }

    /// Structured, so a loaded machine only slows it down; a deadlock would hang the group until the
    /// time limit fails the test.
    @Test(.timeLimit(.minutes(1))) func opposingTwoKeyOrdersDoNotDeadlock() async {
        let lock = KeyedLock()
        let done = Recorder<Int>()
        let overlap = Overlap()
        await withDiscardingTaskGroup { group in
            for index in 0..<100 {
                group.addTask {
                    await lock.withLock(keys: index % 2 == 0 ? [a, b] : [b, a]) {
                        await overlap.enter()
                        await Task.yield()
                        await overlap.leave()
                    }
                    await done.append(index)
                }
            }
        }
        #expect(await done.items.count == 100)
        #expect(await overlap.maximum == 1)
        #expect(lock.waiterCount == 0 && !lock.isHeld(a) && !lock.isHeld(b))
    }

    @Test func throwingBodyReleasesTheKey() async {
        struct Boom: Error {}
        let lock = KeyedLock()
        await #expect(throws: Boom.self) { try await lock.withLock(keys: [a]) { throw Boom() } }
        #expect(!lock.isHeld(a))
    }

    @Test func cancelledWaiterStillGetsTheLockAndReleasesIt() async {
        let lock = KeyedLock()
        let gate = Gate()
        let holder = Task { await lock.withLock(keys: [a]) { await gate.wait() } }
        #expect(await eventually { lock.isHeld(a) })
        let waiter = Task { await lock.withLock(keys: [a]) { Task.isCancelled } }
        #expect(await eventually { lock.waitingCount(for: a) == 1 })
        waiter.cancel()
        await gate.open()
        await holder.value
        #expect(await waiter.value)
        #expect(!lock.isHeld(a) && lock.waiterCount == 0)
    }
}
