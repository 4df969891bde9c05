import AMQPClient
import Foundation
import Logging
import Testing
@testable import HipcallSync

@Suite("Journal appends") struct JournalAppenderTests {
    @Test("entries appended at once share messages, and each is in the journal when its append returns")
    func concurrentAppendsShareMessages() async throws {
        try await withSyncEnvironment { world in
            let publisher = ReliablePublisher(
                brokers: AMQPAddressList(try AMQPConfiguration(url: SyncTestEnvironment.amqpURL)), logger: Logger(label: "test"))
            let appender = JournalAppender(publisher: publisher, stream: world.topology.journalStream)
            let entries = (0..<300).map { index in
                JournalEntry(
                    event: SyncEvent(
                        resource: .companies, eventID: "e-\(index)", occurredAt: Date(timeIntervalSince1970: 1_795_611_480 + Double(index) / 7),
                        externalID: "ERP-\(index)", data: [:]),
                    hipcallID: Int64(index + 1))  // Hipcall ids are positive: the reader drops any other
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for entry in entries { group.addTask { try await appender.append(entry) } }
                try await group.waitForAll()
            }
            await publisher.close()

            let channel = try await world.connection.openChannel()
            try await channel.qos(prefetchCount: 1_000)
            let consumer = try await channel.consume(queue: world.topology.journalStream, arguments: ["x-stream-offset": "first"])
            let (read, messages) = try await withThrowingTaskGroup(of: ([JournalEntry], Int)?.self) { group in
                group.addTask {
                    var read: [JournalEntry] = []
                    var messages = 0
                    for try await delivery in consumer {
                        messages += 1
                        read += JournalEntry.entries(headers: delivery.headers, body: delivery.body)
                        try delivery.ack()
                        if read.count >= entries.count { break }
                    }
                    return (read, messages)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(20))
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                return first ?? ([], 0)
            }
            #expect(read.sorted { $0.hipcallID < $1.hipcallID } == entries)
            #expect(messages < entries.count, "300 concurrent appends went out as \(messages) messages")
        }
    }
}
