@testable import Hipcall
import Testing

/// The client's cap on answer bodies.
@Suite struct ResponseLimitTests {
    @Test func anAnswerLargerThanTheCapIsATypedTransportError() async throws {
        try await Harness.with { h in
            let externalID = h.unique("big")
            _ = try await h.client.create(.companies, fields: [
                "name": "Acme", "external_id": .string(externalID), "description": .string(String(repeating: "d", count: 4096)),
            ])
            var configuration = h.client.configuration
            configuration.maxResponseBytes = 1024
            let small = HipcallClient(configuration: configuration)
            let error = try await expectHipcallError { try await small.record(.companies, externalID: externalID) }
            try await small.shutdown()
            #expect(error.transport == .bodyTooLarge(limit: 1024))
            #expect(!error.isRetryable)
        }
    }
}
