import AMQPClient
import Foundation
import HipcallJSON
import Testing
@testable import HipcallSync

/// Every AMQP field type and the hostile values a publisher can put in a header.
private let hostileValues: [AMQPFieldValue] = [
    .bool(true), .int(.max), .int(.min), .int(-1), .int(0), .double(.nan), .double(.infinity), .double(1e300), .double(-0.5),
    .string(String(repeating: "x", count: 300)), .string(""), .string("9223372036854775807"), .string("99999999999999999999999"),
    .string("-9223372036854775808"), .string(" 3 "), .string("3.5"), .string("\u{FFFD}"), .bytes([0xff, 0xfe, 0x00, 0x81]),
    .bytes(Array("12".utf8)), .bytes([]), .timestamp(.max), .timestamp(0), .table(["nested": .table(["deeper": .int(1)])]),
    .array([.int(1), .string("a"), .table([:])]), .void,
]

@Suite struct HeaderReaderTests {
    @Test func textIsAStringOrUTF8BytesWithinItsLimit() {
        var reader = HeaderReader([
            "s": "company.changed", "b": .bytes(Array("contact.changed".utf8)), "long": .string(String(repeating: "é", count: 150)),
            "bin": .bytes([0xff, 0xfe]), "n": .int(7), "t": .table([:]),
        ])
        #expect(reader.text("s", maxBytes: 255) == "company.changed")
        #expect(reader.text("b", maxBytes: 255) == "contact.changed")
        #expect(reader.text("long", maxBytes: 255) == nil)
        #expect(reader.text("bin", maxBytes: 255) == nil)
        #expect(reader.text("n", maxBytes: 255) == nil)
        #expect(reader.text("t", maxBytes: 255) == nil)
        #expect(reader.text("absent", maxBytes: 255) == nil)
        #expect(
            reader.ignored == [
                IgnoredHeader(header: "long", problem: .tooLong), IgnoredHeader(header: "bin", problem: .notUTF8),
                IgnoredHeader(header: "n", problem: .wrongType), IgnoredHeader(header: "t", problem: .wrongType),
            ])
    }

    @Test func integersAreIntegerFieldsOrDecimalTextWithinTheirRange() {
        var reader = HeaderReader([
            "int": .int(3), "text": " 42 ", "bytes": .bytes(Array("7".utf8)), "max": .int(.max), "huge": "9223372036854775808",
            "negative": "-1", "fraction": "3.5", "double": .double(3), "stamp": .timestamp(3), "word": "three",
        ])
        #expect(reader.integer("int", in: 0...1000) == 3)
        #expect(reader.integer("text", in: 0...1000) == 42)
        #expect(reader.integer("bytes", in: 0...1000) == 7)
        #expect(reader.integer("max", in: 0...1000) == nil)
        #expect(reader.integer("huge", in: 0...Int64.max) == nil)
        #expect(reader.integer("negative", in: 0...1000) == nil)
        #expect(reader.integer("fraction", in: 0...1000) == nil)
        #expect(reader.integer("double", in: 0...1000) == nil)
        #expect(reader.integer("stamp", in: 0...1000) == nil)
        #expect(reader.integer("word", in: 0...1000) == nil)
        #expect(reader.ignored.map(\.problem) == [.outOfRange, .outOfRange, .outOfRange, .unparsable, .wrongType, .wrongType, .unparsable])
    }

    @Test func instantsAreRFC3339Text() {
        var reader = HeaderReader(["ok": "2026-11-25T12:58:00Z", "bad": "yesterday", "far": "9999-12-31T23:59:60.9999999999999999999Z"])
        #expect(reader.instant("ok") == Date(timeIntervalSince1970: 1_795_611_480))
        #expect(reader.instant("bad") == nil)
        let far = reader.instant("far")?.timeIntervalSince1970 ?? 0
        #expect(far > 253_402_300_799)
        #expect(reader.ignored == [IgnoredHeader(header: "bad", problem: .unparsable)])
    }

    @Test func deathRecordsOfAnyShapeNeverTrap() {
        var reader = HeaderReader([
            "x-death": .array([
                .int(1),
                .table(["queue": .int(5), "count": .string("x"), "time": .string("now"), "routing-keys": .table([:])]),
                .table(["queue": "q", "reason": "expired", "count": .int(.max), "time": .timestamp(.max)]),
            ])
        ])
        let deaths = reader.deaths()
        #expect(deaths.map(\.queue) == ["", "q"])
        #expect(deaths.last?.count == .max)
        var notAnArray = HeaderReader(["x-death": "expired"])
        #expect(notAnArray.deaths().isEmpty)
        #expect(notAnArray.ignored == [IgnoredHeader(header: "x-death", problem: .wrongType)])
    }

    @Test func everyReadAcceptsEveryHostileValue() {
        for value in hostileValues {
            var reader = HeaderReader(["h": value, "x-death": value])
            _ = reader.text("h", maxBytes: 255)
            _ = reader.integer("h", in: 0...DeliveryHeaders.maxAttempts)
            _ = reader.integer("h", in: 1...Int64.max)
            _ = reader.instant("h")
            _ = reader.deaths()
            // Whatever was unusable is named by header, so it can be counted.
            #expect(reader.ignored.allSatisfy { $0.header == "h" || $0.header == "x-death" })
        }
    }
}
