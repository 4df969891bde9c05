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

    @Test(arguments: ["https://use.hipcall.com", "https://use.hipcall.com/", "https://use.hipcall.com/api/v3", "https://use.hipcall.com/api/v3/", " https://use.hipcall.com/API/v3// "])
    func theAPIRootIsTheSameWithOrWithoutTheAPIPath(_ baseURL: String) {
        #expect(HipcallConfiguration(baseURL: baseURL, token: "t").apiRoot == "https://use.hipcall.com/api/v3")
    }

    @Test func aPasswordInTheBaseURLIsNeverShown() {
        let configuration = HipcallConfiguration(baseURL: "https://ops:s3cr3t-pw@proxy.example.com/hipcall", token: "t")
        #expect(configuration.displayedAPIRoot == "https://<redacted>@proxy.example.com/hipcall/api/v3")
        #expect(!configuration.description.contains("s3cr3t-pw"))
        #expect(configuration.apiRoot.contains("s3cr3t-pw"), "requests still use it")
    }
}
