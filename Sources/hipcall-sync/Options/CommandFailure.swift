import Foundation

/// How the operator commands that exit 2 on an error (`publish verify`, `reconcile`, `resync`, like `diff`) stop.
enum CommandFailure {
    /// Prints `Error: <message>` on standard error and exits 2.
    static func exit(_ message: String) -> Never {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
