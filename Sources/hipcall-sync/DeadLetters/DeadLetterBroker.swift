import AMQPClient
import ArgumentParser
import Foundation
import Logging

/// Connection set-up shared by the operator commands (`dead-letters`, `topology`).
enum OperatorSession {
    /// The exit status when the broker cannot be reached or refuses the login.
    static let unreachableExitCode: Int32 = 2

    /// Sends library logs to stderr (warnings and worse) so stdout carries only the command's output.
    static func bootstrapLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }

    /// Bootstraps logging (once per process), then connects to the broker; when it is unreachable,
    /// says so on stderr and exits with status 2.
    static func connect(_ broker: BrokerOptions) async throws -> AMQPConnection {
        bootstrapLogging()
        let addresses = try broker.addresses()
        do {
            return try await AMQPConnection.connect(addresses)
        } catch let error as AMQPError where error.isConnectionLevel {
            printError("cannot reach the broker at \(addresses): \(error.message)")
            throw ExitCode(unreachableExitCode)
        }
    }

    /// Writes one line to stderr.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Whether stderr is a terminal (progress lines go there only then).
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}
