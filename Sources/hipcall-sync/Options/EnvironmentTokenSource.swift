import Foundation
import Hipcall

/// The worker's Hipcall token: `HIPCALL_TOKEN`, or else the file named by `HIPCALL_TOKEN_FILE`
/// (surrounding whitespace and the trailing newline trimmed). Read again on every call, so a file
/// rewritten by a secret mount is picked up while the worker is paused on a refused token.
struct EnvironmentTokenSource: HipcallTokenSource {
    /// The variables read; the process environment unless a test gives its own.
    var environment: [String: String] = ProcessInfo.processInfo.environment

    /// The token from the variable or the file, or why there is none.
    func currentToken() throws(TokenLoadError) -> HipcallToken {
        if let token = environment["HIPCALL_TOKEN"]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty {
            return HipcallToken(token)
        }
        guard let path = environment["HIPCALL_TOKEN_FILE"], !path.isEmpty else {
            throw .missingToken
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadableTokenFile(path: path)
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .emptyTokenFile(path: path) }
        return HipcallToken(token)
    }
}

/// Why no token could be loaded; names the variable or file, never the token.
enum TokenLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Neither `HIPCALL_TOKEN` nor `HIPCALL_TOKEN_FILE` is set.
    case missingToken
    /// The token file cannot be read as UTF-8 text.
    case unreadableTokenFile(path: String)
    /// The token file holds only whitespace.
    case emptyTokenFile(path: String)

    var description: String {
        switch self {
        case .missingToken: "no Hipcall token: set HIPCALL_TOKEN or HIPCALL_TOKEN_FILE"
        case .unreadableTokenFile(let path): "cannot read the Hipcall token file \(path)"
        case .emptyTokenFile(let path): "the Hipcall token file \(path) is empty"
        }
    }
}
