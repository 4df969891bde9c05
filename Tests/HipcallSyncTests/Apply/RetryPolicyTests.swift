import Foundation
@testable import Hipcall
import Testing
@testable import HipcallSync
@testable import HipcallSyncOperations

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(delays: [.seconds(1), .seconds(5), .seconds(30), .seconds(120)], maxAttempts: 6)
    let transient = SyncFailure.transient(reason: "HTTP 503", status: 503)

    @Test func transientFailuresWalkTheDelayStepsThenDeadLetter() {
        #expect(policy.decide(attempts: 1, failure: transient) == .retry(delay: .seconds(1), queueIndex: 0))
        #expect(policy.decide(attempts: 2, failure: transient) == .retry(delay: .seconds(5), queueIndex: 1))
        #expect(policy.decide(attempts: 4, failure: transient) == .retry(delay: .seconds(120), queueIndex: 3))
        #expect(policy.decide(attempts: 5, failure: transient) == .retry(delay: .seconds(120), queueIndex: 3))
        #expect(policy.decide(attempts: 6, failure: transient) == .deadLetter)
    }

    @Test func permanentAndInvalidGoStraightToDeadLetter() {
        #expect(policy.decide(attempts: 1, failure: .permanent(reason: "422", status: 422)) == .deadLetter)
        let rejection = EventRejection(.malformedJSON, message: "bad")
        #expect(policy.decide(attempts: 1, failure: .invalidEvent(rejection)) == .deadLetter)
    }

    @Test func authFailuresAreRetried() {
        #expect(policy.decide(attempts: 1, failure: .auth(status: 401)) == .retry(delay: .seconds(1), queueIndex: 0))
    }

    @Test func failureHeadersCarryClassMessageStatusAttemptsAndTimes() {
        let first = Date(timeIntervalSince1970: 1_795_611_480)
        let headers = SyncHeaders.failureHeaders(for: transient, attempts: 3, firstFailedAt: first, lastFailedAt: first + 60)
        #expect(headers["x-hipcall-error-class"] == "transient")
        #expect(headers["x-hipcall-error"] == "HTTP 503")
        #expect(headers["x-hipcall-status"] == "503")
        #expect(headers["x-hipcall-attempts"] == "3")
        #expect(headers["x-hipcall-first-failed-at"] == "2026-11-25T12:58:00Z")
        #expect(headers["x-hipcall-last-failed-at"] == "2026-11-25T12:59:00Z")
    }

    @Test func invalidEventHeadersHaveNoStatusAndNameTheReason() {
        let failure = SyncFailure.invalidEvent(EventRejection(.wrongType, field: "external_id", message: "must be a string"))
        let headers = SyncHeaders.failureHeaders(for: failure, attempts: 1, firstFailedAt: .now, lastFailedAt: .now)
        #expect(headers["x-hipcall-error-class"] == "invalid_event")
        #expect(headers["x-hipcall-status"] == nil)
        #expect(headers["x-hipcall-error"]?.hasPrefix("wrong_type (external_id)") == true)
    }

    @Test func errorMessageIsCutOnACharacterBoundary() {
        let long = String(repeating: "é", count: 600) + "🇬🇧"  // 1200 bytes of é
        let headers = SyncHeaders.failureHeaders(
            for: .permanent(reason: "x" + long, status: 422), attempts: 1, firstFailedAt: .now, lastFailedAt: .now)
        let message = headers["x-hipcall-error"]!
        #expect(message.utf8.count <= 1024)
        #expect(message.utf8.count >= 1022)
        #expect(message.dropFirst().allSatisfy { $0 == "é" })
    }
}

/// The one classification of Hipcall's answers (``HipcallError/failureClass``), as the worker applies it.
@Suite struct FailureClassificationTests {
    static let lookup = HipcallRoute(method: "GET", template: "/companies/by-external-id/:external_id")
    static let create = HipcallRoute(method: "POST", template: "/companies")

    private func failure(_ status: Int?, route: HipcallRoute = lookup, transport: HipcallError.Transport? = nil, shaped: Bool = true) -> SyncFailure {
        HipcallCaller.failure(
            from: HipcallError(status: status, route: route, transport: transport, hasHipcallErrorBody: shaped),
            apiRoot: "https://use.hipcall.com/api/v3")
    }

    @Test(arguments: [
        (401, "auth"), (403, "auth"), (408, "transient"), (425, "transient"), (429, "transient"), (500, "transient"),
        (502, "transient"), (503, "transient"), (599, "transient"), (400, "permanent"), (404, "permanent"), (409, "permanent"),
        (422, "permanent"), (301, "misconfigured"), (302, "misconfigured"), (307, "misconfigured"),
    ])
    func classifiesHTTPStatuses(_ status: Int, _ errorClass: String) {
        let failure = failure(status)
        #expect(failure.errorClass == errorClass)
        #expect(failure.status == status)
        #expect(HipcallError(status: status, route: Self.lookup, hasHipcallErrorBody: true).isRetryable == (errorClass == "transient"))
    }

    @Test func anAnswerThatIsNotHipcallsIsAMisconfiguration() {
        // An HTML or empty 404 comes from a wrong host or path, not from Hipcall.
        #expect(failure(404, shaped: false).errorClass == "misconfigured")
        #expect(failure(405, shaped: false).errorClass == "misconfigured")
        #expect(failure(200, transport: .notJSON(contentType: "text/html")).errorClass == "misconfigured")
        #expect(failure(200, transport: .unexpectedShape("no data object with an id")).errorClass == "misconfigured")
        // POST /companies always exists at Hipcall's root, whatever its body says.
        let created = failure(404, route: Self.create)
        #expect(created.errorClass == "misconfigured")
        #expect(created.message.contains("POST https://use.hipcall.com/api/v3/companies"))
        // A proxy's HTML 502 is still a passing outage.
        #expect(failure(502, transport: .notJSON(contentType: "text/html"), shaped: false).errorClass == "transient")
    }

    @Test func transportFailuresAreTransientAndCancellationIsItsOwnCase() {
        #expect(failure(nil, transport: .timeout).errorClass == "transient")
        #expect(failure(nil, transport: .connection("refused")).errorClass == "transient")
        #expect(failure(nil, transport: .cancelled) == .cancelled)
        #expect(failure(nil, transport: .bodyTooLarge(limit: 10)).errorClass == "permanent")
    }

    @Test func pausingFailuresNameTheirReason() {
        #expect(failure(401).pauseReason == .auth(status: 401))
        #expect(failure(404, shaped: false).pauseReason?.label == "misconfigured")
        #expect(failure(503).pauseReason == nil)
        #expect(SyncFailure.cancelled.pauseReason == nil)
    }
}
