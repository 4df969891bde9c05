import AMQPClient
import HipcallJSON
@testable import HipcallSyncOperations
import Testing

@Suite struct DeadLetterRecordTests {
    @Test("an export line reads back into the same line: every property, typed header and body")
    func lineRoundTrips() throws {
        let line = #"{"body_base64":"/wB7/go=","exchange":"x.dead","headers":{"x-a":{"array":[{"int":1},{"string":"two"},{"void":null}]},"#
            + #""x-b":{"bytes":"AP8Q"},"x-c":{"double":"0.1"},"x-d":{"timestamp":"1764000000"},"x-e":{"table":{"f":{"bool":true}}}},"#
            + #""properties":{"app_id":"crm","content_type":"application/octet-stream","delivery_mode":2,"message_id":"ev-2","priority":3,"#
            + #""timestamp":"1764000123","type":"weird"},"routing_key":"company.changed"}"#
        let record = try DeadLetterRecord(line: Array(line.utf8), number: 1)
        #expect(record.body == [0xff, 0x00, 0x7b, 0xfe, 0x0a])
        #expect(record.properties.headers["x-d"] == .timestamp(1_764_000_000))
        #expect(record.properties.priority == 3)
        #expect(record.line == line)
    }

    @Test("a bad line names its number and field")
    func badLines() {
        func error(_ line: String) -> DeadLetterRecordError? {
            do {
                _ = try DeadLetterRecord(line: Array(line.utf8), number: 7)
                return nil
            } catch {
                return error
            }
        }
        #expect(error("not json")?.field == "-")
        #expect(error(#"{"body":"{}"}"#)?.field == "routing_key")
        #expect(error(#"{"routing_key":"k"}"#)?.field == "body")
        #expect(error(#"{"routing_key":"k","body":"{}","body_base64":"e30="}"#)?.field == "body")
        #expect(error(#"{"routing_key":"k","body_base64":"%%"}"#)?.field == "body_base64")
        #expect(error(#"{"routing_key":"k","body":"{}","properties":{"priority":300}}"#)?.field == "properties.priority")
        #expect(error(#"{"routing_key":"k","body":"{}","headers":{"h":{"int":"7"}}}"#)?.description == "line 7, headers.h: not a typed AMQP field value")
    }

    @Test("--set parses a dotted path and a JSON or text value; the difference lists changed members only")
    func bodyChanges() throws {
        let change = try #require(DeadLetterBodyChange("data.name=Acme Ltd"))
        #expect(change.path == ["data", "name"])
        #expect(change.value == "Acme Ltd")
        #expect(DeadLetterBodyChange("data.size=12")?.value == 12)
        #expect(DeadLetterBodyChange("data.city=null")?.value == .null)
        #expect(DeadLetterBodyChange("no-equals") == nil)
        #expect(DeadLetterBodyChange("data..name=x") == nil)
        #expect(change.applied(to: ["data": ["name": "", "city": "Paris"]]) == ["data": ["name": "Acme Ltd", "city": "Paris"]])
        #expect(change.applied(to: [:]) == ["data": ["name": "Acme Ltd"]])
        #expect(change.applied(to: ["data": "text"]) == nil)
        let difference = DeadLetterEditPreview.difference(
            from: Array(#"{"data":{"name":"","city":"Paris"}}"#.utf8), to: Array(#"{"data":{"name":"Acme","city":"Paris","size":1}}"#.utf8))
        #expect(difference == [#"- data.name: """#, #"+ data.name: "Acme""#, "+ data.size: 1"])
    }
}
