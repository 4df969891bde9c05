import Foundation
import HipcallSync
@testable import HipcallSyncOperations
import Testing

@Suite struct DeadLetterStatsUnitTests {
    @Test("reasons group without their ids, numbers and quoted values; HTTP statuses and apostrophes stay")
    func normalisedMessage() {
        #expect(DeadLetterStats.normalisedMessage("HTTP 422: name 'Zoë' of ERP-17 is invalid") == "HTTP 422: name '…' of <id> is invalid")
        #expect(DeadLetterStats.normalisedMessage(#"company "ACME-4" of contact 991 not found"#) == #"company "…" of contact <id> not found"#)
        #expect(DeadLetterStats.normalisedMessage("the company's record (id 12345) is gone") == "the company's record (id <id>) is gone")
        #expect(DeadLetterStats.normalisedMessage("body has 300000 bytes, more than 262144") == "body has <id> bytes, more than <id>")
        #expect(DeadLetterStats.normalisedMessage("event 3f2c1e4a-9b7d-4c1e-8f00-0123456789ab is late") == "event <id> is late")
        #expect(DeadLetterStats.normalisedMessage("unterminated 'quote") == "unterminated '…'")
        #expect(DeadLetterStats.normalisedMessage(String(repeating: "x", count: 5_000)).count == 200)
    }

    @Test("age buckets")
    func ageBuckets() {
        let now = Date()
        #expect(DeadLetterStats.AgeBucket(failedAt: now.addingTimeInterval(-59 * 60), now: now) == .underAnHour)
        #expect(DeadLetterStats.AgeBucket(failedAt: now.addingTimeInterval(-3_600), now: now) == .underADay)
        #expect(DeadLetterStats.AgeBucket(failedAt: now.addingTimeInterval(-86_400 * 6.9), now: now) == .underAWeek)
        #expect(DeadLetterStats.AgeBucket(failedAt: now.addingTimeInterval(-86_400 * 7), now: now) == .older)
        #expect(DeadLetterStats.AgeBucket(failedAt: nil, now: now) == .unknown)
        // A failure time in the future (a skewed clock) counts as recent.
        #expect(DeadLetterStats.AgeBucket(failedAt: now.addingTimeInterval(600), now: now) == .underAnHour)
    }

    @Test("a replay drops exactly the failure headers and keeps the routing ones")
    func failureHeaders() {
        for name in ["x-hipcall-error-class", "x-hipcall-error", "x-hipcall-attempts", "x-hipcall-routing-key", "x-death", "X-Death",
            "x-first-death-queue", "x-last-death-reason", "x-delivery-count", "x-hipcall-parked-reason", "x-hipcall-waiting-for"]
        {
            #expect(ReplayHeaders.isFailureHeader(name), "\(name)")
        }
        for name in ["x-hipcall-key", "x-hipcall-published-at", "x-hipcall-replays", "x-tenant"] {
            #expect(!ReplayHeaders.isFailureHeader(name), "\(name)")
        }
    }
}
