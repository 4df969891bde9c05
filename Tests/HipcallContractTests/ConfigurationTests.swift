import Foundation
import Hipcall
import Testing

/// Loading the token from the environment or a file.
@Suite struct ConfigurationTests {
    @Test func theTokenComesFromHIPCALL_TOKEN() throws {
        #expect(try HipcallConfiguration.loadToken(environment: ["HIPCALL_TOKEN": "abc\n"]) == "abc")
    }

    @Test func theTokenComesFromTheFileNamedByHIPCALL_TOKEN_FILE() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hipcall-token-\(UUID().uuidString)").path
        try "file-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try HipcallConfiguration.fromEnvironment(baseURL: "https://use.hipcall.com", environment: ["HIPCALL_TOKEN_FILE": path])
        #expect(configuration.token == "file-token")
        #expect(!configuration.description.contains("file-token"))
    }

    @Test func aMissingTokenIsATypedError() {
        #expect(throws: HipcallConfigurationError.missingToken) { try HipcallConfiguration.loadToken(environment: [:]) }
        #expect(throws: HipcallConfigurationError.unreadableTokenFile(path: "/nonexistent/token")) {
            try HipcallConfiguration.loadToken(environment: ["HIPCALL_TOKEN_FILE": "/nonexistent/token"])
        }
    }
}
