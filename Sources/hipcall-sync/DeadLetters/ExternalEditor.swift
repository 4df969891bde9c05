import Foundation

/// Edits bytes in the operator's `$EDITOR` (or `$VISUAL`), through a private temporary file.
enum ExternalEditor {
    /// Why the editor could not be used.
    struct Failure: Error, CustomStringConvertible {
        let reason: String
        var description: String { reason }
    }

    /// `bytes` as the editor left them; waits for the editor without blocking the cooperative pool.
    static func edit(_ bytes: [UInt8]) async throws -> [UInt8] {
        let environment = ProcessInfo.processInfo.environment
        guard let editor = [environment["VISUAL"], environment["EDITOR"]].compactMap({ $0 }).first(where: { !$0.isEmpty }) else {
            throw Failure(reason: "set $EDITOR (or $VISUAL), or give the new body with --body-file or --set")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hipcall-sync-edit-\(UUID().uuidString).json")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw Failure(reason: "cannot write the temporary file \(file.path)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // `$EDITOR` may carry arguments (`code --wait`): the shell splits it, the file goes as "$1".
        process.arguments = ["-c", "\(editor) \"$1\"", "editor", file.path]
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: Failure(reason: "cannot run the editor '\(editor)': \(error.localizedDescription)"))
            }
        }
        guard status == 0 else { throw Failure(reason: "the editor '\(editor)' exited with status \(status); nothing was published") }
        return Array(try Data(contentsOf: file))
    }
}
