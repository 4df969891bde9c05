import Foundation
import Hipcall
import HipcallJSON
import Testing

@testable import SyntheticLoad
@testable import HipcallSync

@Suite("Synthetic events: reproducible, valid by the worker's rules, poison rejected")
struct SyntheticGeneratorTests {
    static let start = SyntheticConfiguration.milliseconds(rfc3339: "2026-11-25T13:00:00Z")!

    static func configuration(
        count: Int = 2000, keys: Int = 300, seed: UInt64 = 42, duplicates: Double = 0.1, invalid: Double = 0.1,
        outOfOrder: Bool = false
    ) -> SyntheticConfiguration {
        SyntheticConfiguration(
            count: count, keys: keys, contactsRatio: 0.6, duplicateRatio: duplicates, invalidRatio: invalid,
            outOfOrder: outOfOrder, seed: seed, startMilliseconds: start)
    }

    @Test("the same seed gives the same events byte for byte; another seed does not")
    func deterministic() {
        let first = Array(SyntheticGenerator(Self.configuration(outOfOrder: true)))
        let second = Array(SyntheticGenerator(Self.configuration(outOfOrder: true)))
        let other = Array(SyntheticGenerator(Self.configuration(seed: 43, outOfOrder: true)))
        #expect(first == second)
        #expect(first != other)
        #expect(first.count == 2000)
        #expect(SyntheticGenerator(Self.configuration()).expectedState() == SyntheticGenerator(Self.configuration()).expectedState())
    }

    @Test("every valid event passes EventDecoder, with Hipcall-shaped fields; every poison event is rejected")
    func validAndInvalid() throws {
        let configuration = Self.configuration()
        let generator = SyntheticGenerator(configuration)
        let decoder = EventDecoder()
        var valid = 0
        var rejected: [EventRejection.Reason: Int] = [:]
        var seen: [String: [UInt8]] = [:]
        var duplicates = 0
        let e164 = /\+[1-9][0-9]{7,14}/
        for event in generator {
            #expect(event.properties.headers[SyncHeaders.key] == .string(event.partitionKey))
            #expect(event.properties.isPersistent && event.properties.contentType == "application/json")
            let decoded: SyncEvent
            do throws(EventRejection) {
                decoded = try decoder.decode(routingKey: event.effectiveRoutingKey, body: event.body)
            } catch {
                rejected[error.reason, default: 0] += 1
                continue
            }
            valid += 1
            #expect(event.messageID == decoded.eventID)
            #expect(event.partitionKey == "\(decoded.resource.rawValue):\(decoded.externalID)")
            if let earlier = seen[decoded.eventID] {
                #expect(earlier == event.body)
                duplicates += 1
            }
            seen[decoded.eventID] = event.body
            let phones = try #require(decoded.data["phones"]?.arrayValue)
            #expect(!phones.isEmpty && phones.count <= EventDecoder.maxContactPhones)
            for phone in phones {
                let number = try #require(phone.objectValue?["number"]?.stringValue)
                #expect(number.wholeMatch(of: e164) != nil, "\(number)")
                let country = try #require(phone.objectValue?["country"]?.stringValue)
                let prefixes = ["GB": "+44", "US": "+1", "TR": "+90", "DE": "+49", "FR": "+33", "NL": "+31"]
                #expect(number.hasPrefix(try #require(prefixes[country])), "\(country) \(number)")
            }
            for email in try #require(decoded.data["emails"]?.arrayValue) {
                #expect(email.objectValue?["email"]?.stringValue?.contains("@") == true)
            }
            if decoded.resource == .contacts, let company = decoded.companyExternalID {
                #expect(company.hasPrefix("CO-"))
            }
        }
        #expect(valid == configuration.validCount + configuration.duplicateCount)
        #expect(duplicates == configuration.duplicateCount)
        #expect(rejected.values.reduce(0, +) == configuration.invalidCount)
        let expectedReasons: Set<EventRejection.Reason> = [
            .malformedJSON, .bodyTooLarge, .missingField, .wrongType, .externalIDTooLong, .emptyExternalID,
            .unknownRoutingKey, .invalidTimestamp,
        ]
        #expect(Set(rejected.keys) == expectedReasons)
        #expect(generator.expectedState().invalid == configuration.invalidCount)
    }

    @Test("each poison kind is rejected for the reason it stands for")
    func poisonKinds() {
        let reasons: [SyntheticPoison: EventRejection.Reason] = [
            .malformedJSON: .malformedJSON, .binaryGarbage: .malformedJSON, .oversizedBody: .bodyTooLarge,
            .missingExternalID: .missingField, .mistypedField: .wrongType, .longExternalID: .externalIDTooLong,
            .emptyExternalID: .emptyExternalID, .unknownRoutingKey: .unknownRoutingKey, .badTimestamp: .invalidTimestamp,
        ]
        for kind in SyntheticPoison.allCases {
            for number in 0..<4 {
                var random = SyntheticRandom(seed: UInt64(number))
                let event = kind.event(number: number, eventID: "e-\(number)", occurredAt: "2026-11-25T13:00:00Z", random: &random)
                #expect(throws: EventRejection.self) { try EventDecoder().decode(routingKey: event.effectiveRoutingKey, body: event.body) }
                do throws(EventRejection) {
                    _ = try EventDecoder().decode(routingKey: event.effectiveRoutingKey, body: event.body)
                } catch {
                    #expect(error.reason == reasons[kind], "\(kind) #\(number): \(error)")
                }
            }
        }
    }

    @Test("the expected state holds, per key, the data of the event with the newest occurred_at", arguments: [false, true])
    func expectedStateIsNewest(outOfOrder: Bool) throws {
        let generator = SyntheticGenerator(Self.configuration(count: 3000, keys: 200, outOfOrder: outOfOrder))
        var newest: [SyncKey: SyncEvent] = [:]
        var lastPublished: [SyncKey: SyncEvent] = [:]
        for event in generator {
            guard let decoded = try? EventDecoder().decode(routingKey: event.effectiveRoutingKey, body: event.body) else { continue }
            if let known = newest[decoded.key], known.occurredAt > decoded.occurredAt {} else { newest[decoded.key] = decoded }
            lastPublished[decoded.key] = decoded
        }
        let expected = generator.expectedState()
        #expect(Set(expected.keys) == Set(newest.keys))
        #expect(expected.keys.count == 200)
        for (key, event) in newest {
            #expect(expected.data(for: key) == event.data, "\(key)")
        }
        let reordered = newest.filter { lastPublished[$0.key]?.eventID != $0.value.eventID }.count
        if outOfOrder {
            #expect(reordered > 0, "out-of-order should publish some stale event last")
        }
        let json = try #require(expected.json.objectValue)
        #expect(json["invalid"] == .int(300))
        #expect(json["companies"]?.objectValue?.count == 80)
        #expect(json["contacts"]?.objectValue?.count == 120)
    }

    @Test("in order, versions of a key follow occurred_at and a contact's company is published before it")
    func inOrderPublishing() throws {
        let generator = SyntheticGenerator(Self.configuration(count: 1000, keys: 100, duplicates: 0, invalid: 0))
        var published: Set<String> = []
        var lastTime: [SyncKey: Date] = [:]
        for event in generator {
            let decoded = try EventDecoder().decode(routingKey: event.routingKey, body: event.body)
            if let company = decoded.companyExternalID { #expect(published.contains(company), "\(decoded.key) before \(company)") }
            if let previous = lastTime[decoded.key] { #expect(previous < decoded.occurredAt) }
            lastTime[decoded.key] = decoded.occurredAt
            if decoded.resource == .companies { published.insert(decoded.externalID) }
        }
    }

    @Test("count, keys and updates per key: any two decide the third")
    func shape() throws {
        #expect(try SyntheticConfiguration.shape(count: nil, keys: nil, updatesPerKey: nil, duplicateRatio: 0, invalidRatio: 0) == (1000, 1000))
        #expect(try SyntheticConfiguration.shape(count: 1000, keys: nil, updatesPerKey: 4, duplicateRatio: 0, invalidRatio: 0) == (1000, 250))
        #expect(try SyntheticConfiguration.shape(count: nil, keys: 100, updatesPerKey: 5, duplicateRatio: 0.5, invalidRatio: 0) == (1000, 100))
        #expect(throws: SyntheticConfigurationError(.updatesPerKey, .overdetermined)) {
            try SyntheticConfiguration.shape(count: 10, keys: 5, updatesPerKey: 2, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.keys, .moreKeysThanValidEvents(keys: 20, valid: 10))) {
            try SyntheticConfiguration.shape(count: 10, keys: 20, updatesPerKey: nil, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.duplicateRatio, .faultSharesTooLarge(most: 0.99))) {
            try SyntheticConfiguration.shape(count: 10, keys: nil, updatesPerKey: nil, duplicateRatio: 0.6, invalidRatio: 0.4)
        }
    }

    @Test("each setting is checked against its range, and the error names the setting and the range")
    func settingRanges() {
        #expect(throws: SyntheticConfigurationError(.count, .integerOutOfRange(0, SyntheticConfiguration.countRange))) {
            try SyntheticConfiguration.shape(count: 0, keys: nil, updatesPerKey: nil, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.keys, .integerOutOfRange(100_000_001, SyntheticConfiguration.keysRange))) {
            try SyntheticConfiguration.shape(count: nil, keys: 100_000_001, updatesPerKey: nil, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.updatesPerKey, .integerOutOfRange(0, SyntheticConfiguration.updatesPerKeyRange))) {
            try SyntheticConfiguration.shape(count: nil, keys: nil, updatesPerKey: 0, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.invalidRatio, .ratioOutOfRange(1.5, SyntheticConfiguration.ratioRange))) {
            try SyntheticConfiguration.shape(count: 10, keys: nil, updatesPerKey: nil, duplicateRatio: 0, invalidRatio: 1.5)
        }
        #expect(throws: SyntheticConfigurationError(.contactsRatio, .ratioOutOfRange(-0.1, SyntheticConfiguration.ratioRange))) {
            try SyntheticConfiguration.shape(count: 10, keys: nil, updatesPerKey: nil, contactsRatio: -0.1, duplicateRatio: 0, invalidRatio: 0)
        }
        #expect(throws: SyntheticConfigurationError(.count, .noValidEvent)) {
            try SyntheticConfiguration.shape(count: 1, keys: nil, updatesPerKey: nil, duplicateRatio: 0.5, invalidRatio: 0.49)
        }
    }

    @Test("timestamps are RFC 3339 with milliseconds and parse back to the same instant")
    func timestamps() {
        for milliseconds: Int64 in [0, 1_764_075_600_123, 951_782_400_999, -1] {
            let text = UTCTimestamp.format(milliseconds: milliseconds)
            #expect(SyntheticConfiguration.milliseconds(rfc3339: text) == milliseconds, "\(text)")
        }
        #expect(UTCTimestamp.format(milliseconds: 1_764_075_600_123) == "2025-11-25T13:00:00.123Z")
    }
}
