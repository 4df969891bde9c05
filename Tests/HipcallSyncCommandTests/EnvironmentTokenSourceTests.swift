import Foundation
import Testing
@testable import Hipcall
@testable import hipcall_sync

/// The worker's token: from `HIPCALL_TOKEN`, or else the file named by `HIPCALL_TOKEN_FILE`.
@Suite struct EnvironmentTokenSourceTests {
    @Test func theTokenComesFromHIPCALL_TOKEN() throws {
        let token = try EnvironmentTokenSource(environment: ["HIPCALL_TOKEN": "abc\n", "HIPCALL_TOKEN_FILE": "/nonexistent/token"]).currentToken()
        #expect(token.value == "abc")
    }

    @Test func theTokenComesFromTheFileNamedByHIPCALL_TOKEN_FILE() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hipcall-token-\(UUID().uuidString)").path
        try "file-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = EnvironmentTokenSource(environment: ["HIPCALL_TOKEN_FILE": path])
        #expect(try source.currentToken().value == "file-token")
        try "rotated\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try source.currentToken().value == "rotated", "the file is read again on every call")
    }

    @Test func aMissingTokenIsATypedErrorNamingTheVariables() {
        #expect(throws: TokenLoadError.missingToken) { try EnvironmentTokenSource(environment: [:]).currentToken() }
        #expect(TokenLoadError.missingToken.description == "no Hipcall token: set HIPCALL_TOKEN or HIPCALL_TOKEN_FILE")
        #expect(throws: TokenLoadError.unreadableTokenFile(path: "/nonexistent/token")) {
            try EnvironmentTokenSource(environment: ["HIPCALL_TOKEN_FILE": "/nonexistent/token"]).currentToken()
        }
    }

    @Test func aWhitespaceOnlyFileIsEmpty() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hipcall-token-\(UUID().uuidString)").path
        try " \n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: TokenLoadError.emptyTokenFile(path: path)) { try EnvironmentTokenSource(environment: ["HIPCALL_TOKEN_FILE": path]).currentToken() }
    }
}
