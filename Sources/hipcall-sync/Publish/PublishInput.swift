import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import SyntheticLoad

/// A line of NDJSON input that cannot be published, with its 1-based line number.
struct PublishInputError: Error, CustomStringConvertible {
    let line: Int
    let message: String

    var description: String { "line \(line): \(message)" }
}

/// Real CRM events from NDJSON: one event a line, published byte for byte as the line holds it.
/// The routing key comes from the line's top-level `"type"`, else from `--routing-key`; every
/// event must pass the worker's own validation (``EventDecoder``), so nothing is sent that the
/// worker would dead-letter.
struct PublishInput {
    let events: [OutgoingEvent]
    let expected: ExpectedState

    /// Reads every line of `path` (`-` for standard input) before anything is published.
    static func read(path: String, routingKey: String?) throws -> PublishInput {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw PublishInputError(line: 0, message: "cannot read \(path): \(error.localizedDescription)")
            }
        }
        return try parse(Array(data), routingKey: routingKey)
    }

    /// Parses NDJSON bytes; blank lines are skipped, a trailing `\r` is dropped.
    static func parse(_ bytes: [UInt8], routingKey: String?) throws -> PublishInput {
        let decoder = EventDecoder()
        let jsonDecoder = JSONDecoder()
        var events: [OutgoingEvent] = []
        var expected = ExpectedState()
        for (offset, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard let value = try? jsonDecoder.decode(JSONValue.self, from: Data(line)), case .object(let object) = value else {
                throw PublishInputError(line: number, message: "not a JSON object")
            }
            let key: String
            switch object["type"] {
            case .string(let type)?: key = type
            case nil, .null?:
                guard let routingKey else {
                    throw PublishInputError(line: number, message: "no routing key: add a \"type\" member or pass --routing-key")
                }
                key = routingKey
            default: throw PublishInputError(line: number, message: "type must be a string such as \"company.changed\"")
            }
            let event: SyncEvent
            do throws(EventRejection) {
                event = try decoder.decode(routingKey: key, body: line)
            } catch {
                throw PublishInputError(line: number, message: error.description)
            }
            events.append(
                OutgoingEvent(
                    routingKey: key, body: line, messageID: event.eventID,
                    partitionKey: SyncTopology.keyHeaderValue(resource: event.resource.rawValue, externalID: event.externalID)))
            expected.record(event.key, occurredAt: event.occurredAt, data: event.data)
        }
        return PublishInput(events: events, expected: expected)
    }
}
