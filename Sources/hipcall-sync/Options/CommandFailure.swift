import Foundation

/// How the operator commands that exit 2 on an error (`publish verify`, `reconcile`, `resync`, like `diff`) stop.
enum CommandFailure {
    /// Prints `Error: <message>` on standard error (on a line of its own: a progress line drawn there
    /// is cleared first) and exits 2.
    static func exit(_ message: String) -> Never {
        let clear = OperatorSession.stderrIsTerminal ? "\r\u{1B}[K" : ""
        FileHandle.standardError.write(Data("\(clear)Error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
