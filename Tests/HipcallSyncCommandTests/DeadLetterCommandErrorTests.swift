import HipcallSyncOperations
import Testing
@testable import hipcall_sync

/// The `dead-letters` commands word the operations' errors with their own flag names.
@Suite struct DeadLetterCommandErrorTests {
    @Test func aMissingQueueNamesTheFlagTheVariableAndTheDeclareCommand() async {
        let thrown = await #expect(throws: DeadLetterCommandError.self) {
            try await DeadLetterCommandError.worded { () async throws -> Int in throw DeadLetterError.queueMissing(queue: "x.dead-letter") }
        }
        #expect(
            thrown?.description
                == "dead-letter queue 'x.dead-letter' does not exist (check --queue-prefix / QUEUE_PREFIX, or run 'hipcall-sync topology declare')")
        #expect(!DeadLetterError.queueMissing(queue: "q").description.contains("--"), "the library names no flag")
    }

    @Test func otherErrorsPassThroughUnchanged() async throws {
        struct Other: Error {}
        await #expect(throws: Other.self) { try await DeadLetterCommandError.worded { () async throws -> Int in throw Other() } }
        #expect(try await DeadLetterCommandError.worded { 7 } == 7)
    }
}
