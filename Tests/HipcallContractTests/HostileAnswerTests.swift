import Foundation
@testable import Hipcall
import HipcallSimulator
import TestSupport
import Testing

/// Answers the simulator never gives because Hipcall does not (a wrong host, a proxy, a load
/// balancer), from a scripted server: the client must name each, classify it once, and bound
/// every rate-limit header.
@Suite struct HostileAnswerTests {
    /// Runs `body` with a client of a scripted server answering every request with `answer`.
    private func withServer<T: Sendable>(
        baseSuffix: String = "", _ answer: @escaping @Sendable (ScriptedServer.Request) -> ScriptedServer.Answer,
        _ body: (HipcallClient) async throws -> T
    ) async throws -> T {
        let server = try await ScriptedServer.start { answer($0) }
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: server.baseURL + baseSuffix, token: HipcallToken("hostile-token")))
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body(client)) } catch { outcome = .failure(error) }
        try? await client.shutdown()
        await server.stop()
        return try outcome.get()
    }

    private static let found = #"{"data":{"id":7,"name":"Acme","external_id":"e-1"}}"#

    private static func rateLimited(_ reset: String, retryAfter: String? = nil) -> ScriptedServer.Answer {
        var headers = [("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)]
        if let retryAfter { headers.append(("retry-after", retryAfter)) }
        return .init(status: 429, headers: headers, body: #"{"errors":{"detail":"Too many requests. Please try again later."}}"#)
    }

    @Test func aResetInMillisecondsIsReadAsSeconds() async throws {
        let reset = Int64(Date.now.timeIntervalSince1970) + 30
        let error = try await withServer({ _ in Self.rateLimited("\(reset * 1000)") }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        #expect(error.isRateLimited && error.isRetryable)
        let state = try #require(error.rateLimit)
        #expect(abs(state.reset - reset) <= 1)
    }

    @Test(arguments: ["9e18", "9223372036854775807", "-9223372036854775808", "1e308"])
    func anAbsurdResetIsBoundedToAnHour(_ reset: String) async throws {
        let before = Int64(Date.now.timeIntervalSince1970)
        let error = try await withServer({ _ in Self.rateLimited(reset) }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        let after = Int64(Date.now.timeIntervalSince1970) + 1
        let state = try #require(error.rateLimit)
        #expect(state.reset >= before && state.reset <= after + HipcallRateLimit.maxWait)
    }

    @Test func aNonNumericResetIsIgnored() async throws {
        let answer = try await withServer({ _ in
            .init(status: 200, headers: [("x-ratelimit-limit", "60"), ("x-ratelimit-remaining", "5"), ("x-ratelimit-reset", "soon")], body: Self.found)
        }) { client in try await client.record(.companies, externalID: "e-1") }
        #expect(answer.value?.id == 7)
        #expect(answer.rateLimit == nil)
    }

    @Test func retryAfterIsReadInSecondsAndAsADateAndBounded() async throws {
        let now = Int64(Date.now.timeIntervalSince1970)
        let seconds = try await withServer({ _ in Self.rateLimited("\(now + 60)", retryAfter: "7") }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        let then = Int64(Date.now.timeIntervalSince1970) + 1
        #expect(try (now + 7...then + 7).contains(#require(seconds.retryAfter)))
        let far = try await withServer({ _ in .init(status: 503, headers: [("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")], body: #"{"errors":{"detail":"Service Unavailable"}}"#) }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        #expect(try #require(far.retryAfter) <= Int64(Date.now.timeIntervalSince1970) + 1 + HipcallRateLimit.maxWait)
        #expect(far.failureClass == .transient)
    }

    @Test(arguments: [408, 425])
    func aRequestTimeoutOrTooEarlyIsTransient(_ status: Int) async throws {
        let error = try await withServer({ _ in .init(status: status, body: "") }) { client in
            try await expectHipcallError { try await client.create(.companies, fields: ["name": "Acme"]) }
        }
        #expect(error.status == status)
        #expect(error.failureClass == .transient)
        #expect(error.isRetryable)
    }

    @Test func aRedirectIsAMisconfigurationNamingWhereItLeads() async throws {
        let error = try await withServer({ _ in .init(status: 302, headers: [("location", "https://login.example.com/")]) }) { client in
            try await expectHipcallError { try await client.create(.companies, fields: ["name": "Acme"]) }
        }
        #expect(error.failureClass == .misconfigured)
        #expect(error.transport == .redirect(location: "https://login.example.com/"))
        #expect(error.description.contains("redirect to https://login.example.com/"))
    }

    @Test func anHTML404OnALookupIsAMisconfigurationNotAMissingRecord() async throws {
        let error = try await withServer({ _ in
            .init(status: 404, headers: [("content-type", "text/html")], body: "<html><body>Not Found</body></html>")
        }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        #expect(!error.isNotFound)
        #expect(error.failureClass == .misconfigured)
        #expect(error.transport == .notJSON(contentType: "text/html"))
        #expect(error.description.contains("not JSON"))
    }

    @Test func anEmpty404OnALookupIsAMisconfigurationToo() async throws {
        let error = try await withServer({ _ in .init(status: 404) }) { client in
            try await expectHipcallError { try await client.record(.companies, externalID: "e-1") }
        }
        #expect(!error.isNotFound)
        #expect(error.failureClass == .misconfigured)
        #expect(error.description.contains("without Hipcall's"))
    }

    @Test func aHipcallShaped404OnALookupIsTheCreateSignal() async throws {
        let answer = try await withServer({ _ in .init(status: 404, body: #"{"errors":{"detail":"Not Found"}}"#) }) { client in
            try await client.record(.companies, externalID: "e-1")
        }
        #expect(answer.value == nil)
    }

    @Test func aNonJSON200IsAMisconfiguration() async throws {
        let error = try await withServer({ _ in
            .init(status: 200, headers: [("content-type", "text/html; charset=utf-8")], body: "<!doctype html><title>Welcome</title>")
        }) { client in
            try await expectHipcallError { try await client.list(.companies, limit: 1) }
        }
        #expect(error.status == 200)
        #expect(error.failureClass == .misconfigured)
        #expect(error.transport == .notJSON(contentType: "text/html; charset=utf-8"))
    }

    @Test func aJSON200ThatIsNotHipcallsShapeIsNamedSo() async throws {
        let error = try await withServer({ _ in .init(status: 200, body: #"{"status":"ok"}"#) }) { client in
            try await expectHipcallError { try await client.create(.companies, fields: ["name": "Acme"]) }
        }
        #expect(error.failureClass == .misconfigured)
        #expect(error.description.contains("not Hipcall's shape"))
    }

    @Test(arguments: ["/api/v3", "/api/v3/", "/", "/API/V3"])
    func aBaseURLEndingInTheAPIPathIsTheSameRoot(_ suffix: String) async throws {
        let seen = try await withServer(baseSuffix: suffix, { request in
            .init(status: 200, body: request.target == "/api/v3/companies/by-external-id/e-1" ? Self.found : #"{"wrong":"\#(request.target)"}"#)
        }) { client in
            try await client.record(.companies, externalID: "e-1")
        }
        #expect(seen.value?.id == 7)
    }

    @Test(.enabled(if: Target.isSimulator, "points the client at a path of the simulator's host"))
    func aBaseURLWithAWrongPathIsAMisconfigurationOnTheSimulatorToo() async throws {
        try await Harness.with { h in
            let wrong = HipcallClient(configuration: HipcallConfiguration(baseURL: h.client.configuration.baseURL + "/hipcall", token: HipcallToken(h.token)))
            let lookup = try await expectHipcallError { try await wrong.record(.companies, externalID: "e-1") }
            let create = try await expectHipcallError { try await wrong.create(.companies, fields: ["name": "Acme"]) }
            try? await wrong.shutdown()
            #expect(lookup.failureClass == .misconfigured, "a web page's 404 is not the create signal")
            #expect(create.failureClass == .misconfigured)
            #expect(create.transport == .notJSON(contentType: "text/html; charset=utf-8"))
        }
    }

    @Test func theTokenNeverAppearsInAnError() async throws {
        let error = try await withServer({ request in
            .init(status: 404, body: "echo " + (request.header("authorization") ?? ""))
        }) { client in
            try await expectHipcallError { try await client.create(.companies, fields: ["name": "Acme"]) }
        }
        #expect(!error.description.contains("hostile-token"))
    }
}
