import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
@testable import HipcallSyncOperations
import Testing

@Suite("hipcall-sync publish drives a worker to the state its expect file names", .serialized)
struct PublishConvergenceTests {
    @Test("out of order, with duplicates and poison: records match the expect file and every poison event is dead-lettered")
    func convergence() async throws {
        try await withSyncEnvironment { world in
        try world.startWorker()
        let expectURL = PublishCommandTests.temporaryFile("expect.json")
        defer { try? FileManager.default.removeItem(at: expectURL) }
        let run = try PublishCommandTests.publish(
            world,
            [
                "--count", "400", "--keys", "60", "--seed", "11", "--out-of-order", "--duplicate-ratio", "0.1",
                "--invalid-ratio", "0.1", "--expect-file", expectURL.path,
            ])
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try #require(try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: expectURL)).objectValue)
        let companies = try #require(expected["companies"]?.objectValue)
        let contacts = try #require(expected["contacts"]?.objectValue)
        let settled = try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= 400 }
        let left = try await world.depth(world.topology.workQueue)
        #expect(settled, "the work queue still holds \(left) messages")

        let records = world.records
        #expect(records.companies.count == companies.count)
        #expect(records.contacts.count == contacts.count)
        let companyIDs = Dictionary(uniqueKeysWithValues: records.companies.compactMap { record in record.externalID.map { ($0, record.id) } })
        for (resource, expectations, actual) in [
            ("companies", companies, records.companies), ("contacts", contacts, records.contacts),
        ] {
            let byKey = Dictionary(uniqueKeysWithValues: actual.compactMap { record in record.externalID.map { ($0, record) } })
            for (key, value) in expectations {
                let data = try #require(value.objectValue)
                let record = try #require(byKey[key], "\(resource) \(key) missing")
                for (field, wanted) in data where wanted.stringValue != nil || wanted == .null {
                    guard field != "company_external_id" else { continue }
                    #expect(record.fields[field] ?? .null == wanted, "\(resource) \(key).\(field)")
                }
                let numbers = Set(data["phones"]?.arrayValue?.compactMap { $0.objectValue?["number"]?.stringValue } ?? [])
                #expect(Set(record.phones.map(\.number)) == numbers, "\(resource) \(key) phones")
                let emails = Set(data["emails"]?.arrayValue?.compactMap { $0.objectValue?["email"]?.stringValue } ?? [])
                #expect(Set(record.emails.map(\.email)) == emails, "\(resource) \(key) emails")
                if let company = data["company_external_id"]?.stringValue {
                    #expect(record.fields["company_id"]?.intValue == companyIDs[company], "\(resource) \(key) company")
                }
            }
        }
        let deadLetters = try await world.takeDeadLetters()
        #expect(deadLetters.count == expected["invalid"]?.intValue.map(Int.init))
        // Read as `dead-letters` reads them: an oversized poison body is refused unread and dead-lettered
        // by RabbitMQ (no x-hipcall-* header), and still reads as an invalid event.
        #expect(deadLetters.allSatisfy { DeadLetter($0).errorClass == "invalid_event" })
        }
    }
}
