/// A latch tests open by hand, to hold a lock or an apply step until the test is ready.
public actor Gate {
    /// Whether `open()` was called.
    public private(set) var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    /// Returns once the gate is open (at once if it already is).
    public func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Opens the gate for good, resuming every waiter.
    public func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters = []
    }
}
