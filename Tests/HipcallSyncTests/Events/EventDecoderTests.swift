import Foundation
import Hipcall
import HipcallJSON
import TestSupport
import Testing
@testable import HipcallSync

private let decoder = EventDecoder()

private func decode(_ json: String, key: String = "company.changed") throws(EventRejection) -> SyncEvent {
    try decoder.decode(routingKey: key, body: Array(json.utf8))
}

private func rejection(_ json: String, key: String = "company.changed") -> EventRejection? {
    do {
        _ = try decode(json, key: key)
        return nil
    } catch {
        return error
    }
}

private func body(
    externalID: String = #""ERP-9876""#, occurredAt: String = #""2026-11-25T12:58:00Z""#, data: String = #"{"name":"Acme"}"#,
    extra: String = ""
) -> String {
    #"{"event_id":"e-1","occurred_at":\#(occurredAt),"external_id":\#(externalID),"data":\#(data)\#(extra)}"#
}

@Suite struct EventDecoderTests {
    @Test func decodesAValidCompanyEvent() throws {
        let event = try decode(body(extra: #","hipcall_id":42,"previous_external_id":" ERP-1 ""#))
        #expect(event.resource == .companies)
        #expect(event.eventID == "e-1")
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_795_611_480))
        #expect(event.externalID == "ERP-9876")
        #expect(event.previousExternalID == "ERP-1")
        #expect(event.hipcallID == 42)
        #expect(event.data == ["name": .string("Acme")])
        #expect(event.lockKeys.count == 2)
    }

    @Test func integerExternalIDBecomesItsDecimalString() throws {
        #expect(try decode(body(externalID: "9876")).externalID == "9876")
        #expect(try decode(body(externalID: "-5")).externalID == "-5")
    }

    @Test func externalIDIsTrimmed() throws {
        #expect(try decode(body(externalID: #""  ERP-9876 \n""#)).externalID == "ERP-9876")
    }

    @Test(arguments: ["9876.0", "1e2", "true", "{}", "[]", "1.5"])
    func nonIntegerNumbersAndOtherTypesAreWrongType(_ literal: String) {
        let r = rejection(body(externalID: literal))
        #expect(r?.reason == .wrongType)
        #expect(r?.field == "external_id")
    }

    @Test func missingOrNullExternalIDIsMissing() {
        #expect(rejection(#"{"event_id":"e","occurred_at":"2026-01-01T00:00:00Z","data":{}}"#)?.reason == .missingField)
        #expect(rejection(body(externalID: "null"))?.reason == .missingField)
    }

    @Test func blankExternalIDIsEmpty() {
        #expect(rejection(body(externalID: #""   ""#))?.reason == .emptyExternalID)
        #expect(rejection(body(extra: #","previous_external_id":"""#))?.reason == .emptyExternalID)
    }

    @Test func externalIDIsTrimmedOfUnicodeWhitespace() throws {
        #expect(try decode(body(externalID: #"" ERP-7\t""#)).externalID == "ERP-7")
        #expect(try decode(body(externalID: #""\u00a0ERP-7\u3000\n""#)).externalID == "ERP-7")
        #expect(try decode(body(externalID: #""ERP-\u00e9""#)).externalID == "ERP-é")
    }

    @Test func externalIDLengthCountsCharacters() throws {
        let flags = String(repeating: "🇬🇧", count: 255)  // 255 characters, 510 scalars
        #expect(try decode(body(externalID: "\"\(flags)\"")).externalID.count == 255)
        let r = rejection(body(externalID: "\"\(flags)x\""))
        #expect(r?.reason == .externalIDTooLong)
    }

    @Test func pathLikeIDsAreJustStrings() throws {
        #expect(try decode(body(externalID: #""../companies""#)).externalID == "../companies")
        #expect(try decode(body(externalID: #""a/b?c#d%20 e+f@g""#)).externalID == "a/b?c#d%20 e+f@g")
    }

    @Test func previousEqualToCurrentIsNoReKey() throws {
        #expect(try decode(body(extra: #","previous_external_id":"ERP-9876""#)).previousExternalID == nil)
    }

    @Test func unknownRoutingKeyIsRejected() {
        #expect(rejection(body(), key: "deal.changed")?.reason == .unknownRoutingKey)
    }

    @Test func oversizedBodyIsRejectedBeforeParsing() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: 1 << 20)
        #expect(throws: EventRejection.self) { try decoder.decode(routingKey: "company.changed", body: big) }
        do {
            _ = try EventDecoder(maxBodyBytes: 10).decode(routingKey: "company.changed", body: Array(body().utf8))
            Issue.record("expected a rejection")
        } catch {
            #expect(error.reason == .bodyTooLarge)
        }
    }

    @Test func garbageAndNonObjects() {
        #expect(rejection("{")?.reason == .malformedJSON)
        #expect(rejection("")?.reason == .malformedJSON)
        #expect(rejection("[1,2]")?.reason == .notAnObject)
        #expect(rejection("\"x\"")?.reason == .notAnObject)
        do {
            _ = try decoder.decode(routingKey: "company.changed", body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D])
            Issue.record("invalid UTF-8 accepted")
        } catch {
            #expect(error.reason == .malformedJSON)
        }
    }

    @Test func deepNestingIsRejectedNotCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(rejection(body(data: #"{"x":\#(deep)}"#))?.reason == .malformedJSON)
    }

    @Test func eventIDMustBeANonEmptyString() {
        #expect(rejection(#"{"event_id":7,"occurred_at":"2026-01-01T00:00:00Z","external_id":"a","data":{}}"#)?.reason == .wrongType)
        #expect(rejection(#"{"event_id":" ","occurred_at":"2026-01-01T00:00:00Z","external_id":"a","data":{}}"#)?.reason == .emptyField)
    }

    @Test(arguments: [
        ("2026-11-25T12:58:00Z", 1_795_611_480.0),
        ("2026-11-25t12:58:00z", 1_795_611_480.0),
        ("2026-11-25T12:58:00.250Z", 1_795_611_480.25),
        ("2026-11-25T14:58:00+02:00", 1_795_611_480.0),
        ("2026-11-25T07:28:00.5-05:30", 1_795_611_480.5),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func acceptsRFC3339(_ text: String, _ seconds: Double) throws {
        let event = try decode(body(occurredAt: "\"\(text)\""))
        #expect(abs(event.occurredAt.timeIntervalSince1970 - seconds) < 0.0001)
    }

    @Test(arguments: [
        "2026-11-25", "2026-11-25T12:58:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T12:58:00.Z", "2026-11-25T12:58:00+0200", "yesterday", "2026-11-25T12:58:00Zjunk",
    ])
    func rejectsNonRFC3339(_ text: String) {
        #expect(rejection(body(occurredAt: "\"\(text)\""))?.reason == .invalidTimestamp)
    }

    @Test func extremeButValidTimesParseWithoutTrapping() throws {
        let fraction = String(repeating: "9", count: 10_000)
        for text in ["9999-12-31T23:59:60.\(fraction)Z", "0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-11-25T12:58:00.\(fraction)+00:00"] {
            let seconds = try decode(body(occurredAt: "\"\(text)\"")).occurredAt.timeIntervalSince1970
            #expect(seconds.isFinite && RFC3339.representableSeconds.contains(seconds), "\(text)")
        }
    }

    @Test func anOccurredAtFurtherAheadThanTheClockSkewIsRejected() throws {
        let skewed = EventDecoder(maxClockSkew: .seconds(3600))
        let now = Date(timeIntervalSince1970: 1_795_611_480)  // 2026-11-25T12:58:00Z
        func decode(_ occurredAt: String) throws(EventRejection) -> SyncEvent {
            try skewed.decode(routingKey: "company.changed", body: Array(body(occurredAt: "\"\(occurredAt)\"").utf8), now: now)
        }
        let atTheBound = try decode("2026-11-25T13:58:00Z")
        let past = try decode("2020-01-01T00:00:00Z")
        #expect(atTheBound.eventID == "e-1" && past.eventID == "e-1")
        for future in ["2026-11-25T13:58:00.001Z", "2026-11-25T16:00:00+01:59", "9999-12-31T23:59:60Z"] {
            do {
                _ = try decode(future)
                Issue.record("\(future) was accepted")
            } catch {
                #expect(error.reason == .occurredAtInFuture)
                #expect(error.field == "occurred_at")
            }
        }
        // Without a bound (the publish command's shape check) a future time is only a time.
        let unbounded = try EventDecoder().decode(
            routingKey: "company.changed", body: Array(body(occurredAt: #""9999-12-31T23:59:60Z""#).utf8), now: now)
        #expect(unbounded.eventID == "e-1")
    }

    @Test func dataMustBeAnObject() {
        #expect(rejection(body(data: "[]"))?.reason == .wrongType)
        #expect(rejection(#"{"event_id":"e","occurred_at":"2026-01-01T00:00:00Z","external_id":"a"}"#)?.reason == .missingField)
    }

    @Test func knownFieldTypesAreChecked() {
        #expect(rejection(body(data: #"{"website_url":5}"#))?.field == "data.website_url")
        #expect(rejection(body(data: #"{"assign_to_user_id":"7"}"#))?.reason == .wrongType)
        #expect(rejection(body(data: #"{"phones":[{"number":5}]}"#))?.field == "data.phones[0].number")
        #expect(rejection(body(data: #"{"emails":"a@b"}"#))?.field == "data.emails")
        #expect(rejection(body(data: #"{"name":null}"#))?.reason == .emptyField)
        #expect(rejection(body(data: #"{"first_name":""}"#), key: "contact.changed")?.reason == .emptyField)
        #expect(rejection(body(data: #"{"custom_fields":[]}"#), key: "contact.changed")?.field == "data.custom_fields")
        #expect(rejection(body(data: #"{"company_id":1.5}"#), key: "contact.changed")?.reason == .wrongType)
    }

    @Test func nullsAndUnknownKeysPassThrough() throws {
        let event = try decode(body(data: #"{"website_url":null,"phones":null,"favourite_colour":[1,{"x":true}]}"#))
        #expect(event.data["website_url"] == .null)
        #expect(event.data["phones"] == .null)
        #expect(event.data["favourite_colour"] == .array([.int(1), .object(["x": .bool(true)])]))
    }

    @Test func contactCompanyExternalIDIsPulledOutAndNormalised() throws {
        let event = try decode(body(data: #"{"first_name":"Ada","company_external_id":42}"#), key: "contact.changed")
        #expect(event.resource == .contacts)
        #expect(event.companyExternalID == "42")
        #expect(event.data["company_external_id"] == .string("42"))
        let unlinked = try decode(body(data: #"{"company_external_id":null}"#), key: "contact.changed")
        #expect(unlinked.companyExternalID == nil)
        #expect(unlinked.data["company_external_id"] == .null)
    }

    @Test func dataExternalIDMustAgree() throws {
        #expect(try decode(body(data: #"{"external_id":" ERP-9876"}"#)).data["external_id"] == .string("ERP-9876"))
        #expect(rejection(body(data: #"{"external_id":"ERP-1"}"#))?.reason == .conflictingExternalID)
    }

    @Test func contactsHaveAtMostSixPhones() throws {
        let six = (1...6).map { #"{"number":"+4420000000\#($0)"}"# }.joined(separator: ",")
        _ = try decode(body(data: #"{"phones":[\#(six)]}"#), key: "contact.changed")
        let seven = six + #",{"number":"+442000000099"}"#
        #expect(rejection(body(data: #"{"phones":[\#(seven)]}"#), key: "contact.changed")?.reason == .tooManyPhones)
    }

    @Test func hipcallIDMustBeAPositiveInteger() {
        #expect(rejection(body(extra: #","hipcall_id":"42""#))?.reason == .wrongType)
        #expect(rejection(body(extra: #","hipcall_id":0"#))?.reason == .invalidValue)
    }

    @Test func messagesAreCappedAtOneKiB() {
        let r = rejection(body(externalID: "\"\(String(repeating: "é", count: 300))\"", extra: ""), key: String(repeating: "ü", count: 2000))
        #expect(r?.reason == .unknownRoutingKey)
        #expect((r?.message.utf8.count ?? .max) <= 1024)
    }

    /// Property: random bytes and random mutations of a valid event always decode or reject, never crash.
    @Test func randomInputNeverCrashes() {
        var rng = SeededRNG(seed: 0x5EED)
        let valid = Array(
            body(
                externalID: "9876",
                data: #"{"first_name":"Ada","phones":[{"country":"GB","number":"+44","order":0}],"custom_fields":{"a":1},"company_external_id":"C-1"}"#,
                extra: #","hipcall_id":7,"previous_external_id":"x""#
            ).utf8)
        _ = try? decoder.decode(routingKey: "contact.changed", body: valid)
        let alphabet = Array(#"{}[]":,0123456789.eE+-tfnul\ "#.utf8) + [0x00, 0xFF, 0xC3, 0x80]
        var decoded = 0
        var rejected = 0
        for round in 0..<6000 {
            var input: [UInt8]
            if round % 3 == 0 {
                input = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                input = valid
                for _ in 0...Int.random(in: 0...4, using: &rng) {
                    let position = Int.random(in: 0..<max(input.count, 1), using: &rng)
                    switch Int.random(in: 0...3, using: &rng) {
                    case 0 where !input.isEmpty: input[position] = alphabet.randomElement(using: &rng)!
                    case 1 where !input.isEmpty: input.remove(at: position)
                    case 2: input.insert(alphabet.randomElement(using: &rng)!, at: min(position, input.count))
                    default: input = Array(input.prefix(position))
                    }
                }
            }
            let key = round % 2 == 0 ? "contact.changed" : "company.changed"
            do {
                let event = try decoder.decode(routingKey: key, body: input)
                #expect(!event.externalID.isEmpty && event.externalID.count <= 255)
                decoded += 1
            } catch {
                #expect(!error.message.isEmpty && error.message.utf8.count <= 1024)
                rejected += 1
            }
        }
        #expect(decoded + rejected == 6000)
        #expect(decoded > 0 && rejected > 0)
    }
}

@Suite struct StrictJSONTests {
    @Test func keepsIntegersApartFromOtherNumbers() {
        #expect(StrictJSON.parse(Array("9876".utf8)) == .int(9876))
        #expect(StrictJSON.parse(Array("9876.0".utf8)) == .double(9876))
        #expect(StrictJSON.parse(Array("9223372036854775808".utf8)) == .double(9_223_372_036_854_775_808))
    }

    @Test func readsIntegersToInt64sEnds() {
        #expect(StrictJSON.parse(Array("9223372036854775807".utf8)) == .int(.max))
        #expect(StrictJSON.parse(Array("-9223372036854775808".utf8)) == .int(.min))
        #expect(StrictJSON.parse(Array("-9223372036854775809".utf8)) == .double(-9_223_372_036_854_775_809))
        #expect(StrictJSON.parse(Array("[0,-0,-12,7]".utf8)) == .array([.int(0), .int(0), .int(-12), .int(7)]))
    }

    @Test func readsStringsWithAndWithoutEscapes() {
        #expect(StrictJSON.parse(Array(#"{"a":"plain é 😀","b":"","c":"x\ty"}"#.utf8))
            == .object(["a": .string("plain é 😀"), "b": .string(""), "c": .string("x\ty")]))
        #expect(StrictJSON.parse(Array(#"["tab\there", "line\n"]"#.utf8)) == .array([.string("tab\there"), .string("line\n")]))
        #expect(StrictJSON.parse([0x22, 0x61, 0xFF, 0x22]) == nil)
        #expect(StrictJSON.parse(Array(#""unterminated"#.utf8)) == nil)
    }

    @Test func decodesEscapesAndSurrogatePairs() {
        #expect(StrictJSON.parse(Array(#""a\"\\\/\n\u00e9\ud83d\ude00""#.utf8)) == .string("a\"\\/\né😀"))
        #expect(StrictJSON.parse(Array(#""\ud83d""#.utf8)) == nil)
    }

    @Test(arguments: ["01", "1.", ".5", "+1", "[1,]", "{\"a\":1,}", "{'a':1}", "tru", "\"a\u{01}\"", "1 2", "[1]]", "NaN"])
    func rejectsNonJSON(_ text: String) {
        #expect(StrictJSON.parse(Array(text.utf8)) == nil)
    }
}
