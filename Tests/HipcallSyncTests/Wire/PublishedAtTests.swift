import AMQPClient
import Foundation
import Testing
@testable import HipcallSync

@Suite struct PublishedAtTests {
    let header = PublishedAt.header

    @Test func headerMillisecondsWinOverTheTimestamp() {
        #expect(PublishedAt.milliseconds(headers: [header: "1795611480123"], timestamp: 1_700_000_000) == 1_795_611_480_123)
        #expect(PublishedAt.milliseconds(headers: [header: .int(1_795_611_480_123)], timestamp: nil) == 1_795_611_480_123)
    }

    @Test func timestampSecondsAreTheFallback() {
        #expect(PublishedAt.milliseconds(headers: [:], timestamp: 1_795_611_480) == 1_795_611_480_000)
        #expect(PublishedAt.milliseconds(headers: ["x-hipcall-key": "companies:ERP-1"], timestamp: 1_795_611_480) == 1_795_611_480_000)
    }

    @Test func absentPublishTimeIsNil() {
        #expect(PublishedAt.milliseconds(headers: [:], timestamp: nil) == nil)
        #expect(PublishedAt.latency(headers: [:], timestamp: nil) == nil)
    }

    @Test func garbageHeaderFallsBackToTheTimestampOrNil() {
        for garbage: AMQPFieldValue in ["yesterday", "", "12.5", "-5", "0", .bool(true), .double(1e12), .timestamp(1_795_611_480)] {
            #expect(PublishedAt.milliseconds(headers: [header: garbage], timestamp: 1_795_611_480) == 1_795_611_480_000)
            #expect(PublishedAt.milliseconds(headers: [header: garbage], timestamp: nil) == nil)
        }
        #expect(PublishedAt.milliseconds(headers: [:], timestamp: 0) == nil)
        #expect(PublishedAt.milliseconds(headers: [:], timestamp: .max) == nil)
    }

    @Test func stampWritesBothAndLatencyIsMeasuredFromIt() {
        var properties = AMQPProperties(contentType: "application/json", headers: ["x-hipcall-key": "companies:ERP-1"])
        let published = Date(timeIntervalSince1970: 1_795_611_480.123_4)
        PublishedAt.stamp(&properties, at: published)
        #expect(properties.headers[header] == "1795611480123")
        #expect(properties.headers["x-hipcall-key"] == "companies:ERP-1")
        #expect(properties.timestamp == 1_795_611_480)
        let latency = PublishedAt.latency(headers: properties.headers, timestamp: properties.timestamp, now: published + 2.5)
        #expect(latency == .milliseconds(2500))
        // A publisher clock ahead of the worker's counts as no delay.
        #expect(PublishedAt.latency(headers: properties.headers, timestamp: nil, now: published - 1) == .zero)
    }
}
