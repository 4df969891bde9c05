/// The result of `operation`, or `fallback` once `timeout` has passed first; the operation is then
/// cancelled (it must return promptly when cancelled). Cancelling the caller cancels both.
func withTimeout<T: Sendable>(_ timeout: Duration, fallback: T, _ operation: @escaping @Sendable () async -> T) async -> T {
    await withTaskGroup(of: T.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return fallback
        }
        let first = await group.next() ?? fallback
        group.cancelAll()
        return first
    }
}
