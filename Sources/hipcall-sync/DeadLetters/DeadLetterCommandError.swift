import HipcallSyncOperations

/// A ``DeadLetterError`` as the `dead-letters` commands word it: a missing queue names the flag
/// and variable that choose it, and the command that declares it.
struct DeadLetterCommandError: Error, CustomStringConvertible {
    /// What the operation reported.
    let error: DeadLetterError

    var description: String {
        switch error {
        case .queueMissing(let queue):
            "dead-letter queue '\(queue)' does not exist (check --queue-prefix / QUEUE_PREFIX, or run 'hipcall-sync topology declare')"
        case .unroutable:
            error.description
        }
    }

    /// Runs `operation`, rethrowing a ``DeadLetterError`` in the command's words.
    static func worded<Result>(_ operation: () async throws -> Result) async throws -> Result {
        do {
            return try await operation()
        } catch let error as DeadLetterError {
            throw DeadLetterCommandError(error: error)
        }
    }
}
