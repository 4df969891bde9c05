import AsyncHTTPClient
@testable import Hipcall
import Testing

/// Bearer authentication: the two distinct 401 bodies, and the token never leaking.
@Suite struct AuthTests {
    @Test func noTokenIsAuthenticationRequired() async throws {
        try await Harness.with { h in
            let answer = try await rawRequest(.GET, h.client.configuration.baseURL + "/api/v3/companies/by-external-id/x")
            #expect(answer.status == 401)
            let detail = try #require(answer.json?["errors"]?["detail"]?.stringValue)
            #expect(detail.hasPrefix("Authentication required."))
        }
    }

    @Test func anUnknownTokenIsNotAuthorized() async throws {
        try await Harness.with { h in
            let secret = "not-a-real-token-\(Target.runID)-SECRET"
            let client = HipcallClient(configuration: HipcallConfiguration(baseURL: h.client.configuration.baseURL, token: HipcallToken(secret)))
            let error = try await expectHipcallError { try await client.record(.companies, externalID: "x") }
            try await client.shutdown()
            #expect(error.status == 401)
            #expect(error.isAuthFailure)
            #expect(!error.isRetryable)
            #expect(error.detail?.hasPrefix("Not authorized.") == true)
            #expect(!error.description.contains(secret))
            #expect(!"\(error)".contains(secret))
        }
    }

    @Test func theTwo401BodiesDiffer() async throws {
        try await Harness.with { h in
            let url = h.client.configuration.baseURL + "/api/v3/contacts/by-external-id/x"
            let missing = try await rawRequest(.GET, url)
            let wrong = try await rawRequest(.GET, url, token: "wrong-\(Target.runID)")
            #expect(missing.status == 401 && wrong.status == 401)
            #expect(missing.json?["errors"]?["detail"] != wrong.json?["errors"]?["detail"])
        }
    }

    @Test func theTokenNeverAppearsInTransportErrorsOrConfiguration() async throws {
        let secret = "tok-SECRET-\(Target.runID)"
        let configuration = HipcallConfiguration(baseURL: "http://127.0.0.1:1", token: HipcallToken(secret), connectTimeout: .seconds(2), requestTimeout: .seconds(3))
        #expect(!configuration.description.contains(secret))
        #expect(!String(reflecting: configuration).contains(secret))
        let client = HipcallClient(configuration: configuration)
        let error = try await expectHipcallError { try await client.create(.companies, fields: ["name": "x"]) }
        try await client.shutdown()
        #expect(error.status == nil)
        #expect(error.transport != nil)
        #expect(error.isRetryable)
        #expect(!error.description.contains(secret))
        #expect(!String(reflecting: error).contains(secret))
        #expect(error.route == HipcallRoute(method: "POST", template: "/companies"))
    }
}
