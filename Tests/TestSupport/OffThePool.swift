import Foundation

/// Runs blocking work (a child process, its pipes, its exit) on a thread of its own and awaits its
/// result, so it never holds one of the cooperative pool's threads: with two cores there are two,
/// and the in-process simulator and every other test run on them.
public func offThePool<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
