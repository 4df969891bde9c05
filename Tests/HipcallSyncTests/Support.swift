import Foundation
import Hipcall
import HipcallJSON
@testable import HipcallSync

/// A seeded, reproducible generator (SplitMix64) for property-style tests.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds a `SyncEvent` for tests without going through JSON.
func makeEvent(
    _ resource: SyncResource = .companies, id: String, externalID: String = "ERP-1", at seconds: TimeInterval,
    previous: String? = nil, data: [String: JSONValue] = ["name": .string("Acme")]
) -> SyncEvent {
    SyncEvent(
        resource: resource, eventID: id, occurredAt: Date(timeIntervalSince1970: seconds), externalID: externalID,
        previousExternalID: previous, data: data)
}

/// A counter of concurrently running sections and the highest concurrency seen.
actor Overlap {
    private(set) var running = 0
    private(set) var maximum = 0
    private(set) var order: [String] = []
    func enter(_ name: String = "") {
        running += 1
        maximum = max(maximum, running)
        order.append(name)
    }
    func leave() { running -= 1 }
}

/// Polls `condition` until it holds or about ten seconds pass.
func eventually(_ condition: @Sendable () async -> Bool) async -> Bool {
    for _ in 0..<2000 {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return false
}

/// A latch tests open by hand, to hold a lock or an apply step until the test is ready.
actor Gate {
    private(set) var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
}

/// An append-only list shared between tasks.
actor Recorder<Element: Sendable> {
    private(set) var items: [Element] = []
    func append(_ item: Element) { items.append(item) }
}
