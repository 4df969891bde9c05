import AMQPClient
import Foundation
@testable import HipcallSync
import HipcallJSON
import Testing

@Suite("dead-letters: edit and replay", .serialized)
struct DeadLetterEditTests {
    private func seed(_ world: SyncTestEnvironment) async throws {
        try await world.deadLetter(
            "company.changed", body: SyncTestEnvironment.event(id: "ev-1", externalID: "ERP-1", data: #"{"name":"","city":"Broken"}"#),
            messageID: "ev-1")
    }

    @Test("edit --set checks the edit, shows the difference, replays it with x-hipcall-edited-from and only then removes the original")
    func setAndReplay() async throws {
        try await withSyncEnvironment { world in
            try await seed(world)
            let result = try world.run(["dead-letters", "edit", "ev-1", "--set", "data.name=Acme Ltd", "--set", "data.size=12", "--yes"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(#"- data.name: """#), "\(result.stdout)")
            #expect(result.stdout.contains(#"+ data.name: "Acme Ltd""#))
            #expect(result.stdout.contains("+ data.size: 12"))
            #expect(!result.stdout.contains("data.city"), "unchanged members are not listed")

            let message = try #require(try await world.take(world.topology.workQueue).first)
            let data = try #require(StrictJSON.parse(message.body)?.objectValue?["data"]?.objectValue)
            #expect(data == ["name": "Acme Ltd", "size": 12, "city": "Broken"])
            #expect(message.headers[SyncHeaders.editedFrom] == "ev-1")
            #expect(message.headers[SyncHeaders.key] == "companies:ERP-1")
            #expect(message.headers.keys.allSatisfy { !SyncHeaders.failureNames.contains($0) })
            #expect(try await world.depth(world.topology.deadLetterQueue) == 0)
        }
    }

    @Test("an invalid edit is refused with the validation's reason; without --yes and no terminal nothing is published either")
    func invalidEditPublishesNothing() async throws {
        try await withSyncEnvironment { world in
            try await seed(world)
            let invalid = try world.run(["dead-letters", "edit", "ev-1", "--set", "external_id=null", "--yes"])
            #expect(invalid.status == 1)
            #expect(invalid.stderr.contains("invalid") && invalid.stderr.contains("external_id"), "\(invalid.stderr)")
            let unasked = try world.run(["dead-letters", "edit", "ev-1", "--set", "data.name=Acme"])
            #expect(unasked.status == 2, "\(unasked.stderr)")
            #expect(unasked.stdout.contains(#"+ data.name: "Acme""#), "the difference is shown before asking")
            let unknown = try world.run(["dead-letters", "edit", "no-such-event", "--set", "data.name=Acme", "--yes"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no-such-event"))
            #expect(try await world.depth(world.topology.workQueue) == 0)
            #expect(try await world.deadLetterIDs() == ["ev-1"])
        }
    }

    @Test("edit with --body-file replays that file byte for byte; with $EDITOR the editor's result")
    func bodyFileAndEditor() async throws {
        try await withSyncEnvironment { world in
            try await seed(world)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString).json")
            defer { try? FileManager.default.removeItem(at: file) }
            let body = SyncTestEnvironment.event(id: "ev-1", externalID: "ERP-1", data: #"{ "name" : "From file" }"#) + "\n"
            try body.write(to: file, atomically: true, encoding: .utf8)
            let fromFile = try world.run(["dead-letters", "edit", "ev-1", "--body-file", file.path, "--yes"])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(try await world.take(world.topology.workQueue).first?.body == Array(body.utf8))

            try await world.deadLetter(
                "company.changed", body: SyncTestEnvironment.event(id: "ev-2", externalID: "ERP-2", data: #"{"name":"Co","city":"Broken"}"#),
                messageID: "ev-2")
            let edited = try world.run(["dead-letters", "edit", "ev-2", "--yes"], environment: ["EDITOR": "sed -i s/Broken/Fixed/", "VISUAL": ""])
            #expect(edited.status == 0, "\(edited.stderr) \(edited.stdout)")
            #expect(edited.stdout.contains(#"+ data.city: "Fixed""#), "\(edited.stdout)")
            let message = try #require(try await world.take(world.topology.workQueue).first)
            #expect(String(decoding: message.body, as: UTF8.self).contains(#""city":"Fixed""#))
        }
    }
}
