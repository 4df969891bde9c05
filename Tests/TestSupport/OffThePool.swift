import Foundation

/// Runs blocking work (a child process, its pipes, its exit, `rabbitmqctl`) on a thread of its own
/// and awaits its result, so it never holds one of the cooperative pool's threads: with two cores
/// there are two, and the in-process simulator and every other test run on them.
public func offThePool<Value: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> Value
) async throws(Failure) -> Value {
    let result: Result<Value, Failure> = await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: Result { () throws(Failure) -> Value in try work() }) }.start()
    }
    return try result.get()
}
