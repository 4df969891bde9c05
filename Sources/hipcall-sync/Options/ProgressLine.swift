import Foundation

/// A live progress line on standard error, redrawn in place, for the commands that do long work.
enum ProgressLine {
    /// Redraws `line()` four times a second until cancelled, then once more with a newline; does
    /// nothing when standard error is not a terminal.
    static func show(_ line: @Sendable () -> String) async {
        guard OperatorSession.stderrIsTerminal else { return }
        while !Task.isCancelled {
            FileHandle.standardError.write(Data(("\r" + line() + "\u{1B}[K").utf8))
            try? await Task.sleep(for: .milliseconds(250))
        }
        FileHandle.standardError.write(Data(("\r" + line() + "\u{1B}[K\n").utf8))
    }

    /// Runs `work` while the line is shown, and returns its result.
    static func showing<Result: Sendable>(
        _ line: @escaping @Sendable () -> String, during work: () async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await show(line) }
            defer { group.cancelAll() }
            return try await work()
        }
    }
}
