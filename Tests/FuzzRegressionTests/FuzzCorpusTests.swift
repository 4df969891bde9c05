import Foundation
import FuzzHarness
import XCTest

/// Replays the seed corpus (`Tests/FuzzCorpus/<target>/`) through each fuzz target's own checks,
/// so a change that makes one of those inputs trap or break a target's property fails the suite.
final class FuzzCorpusTests: XCTestCase {
    func testEventDecoderCorpusPassesItsChecks() throws {
        try replayCorpus(EventDecoderTarget.self)
    }

    func testJSONCorpusRoundTrips() throws {
        try replayCorpus(JSONTarget.self)
    }

    func testHeadersCorpusPassesItsChecks() throws {
        try replayCorpus(HeadersTarget.self)
    }

    func testAMQPURLCorpusKeepsPasswordsOut() throws {
        try replayCorpus(AMQPURLTarget.self)
    }

    private func replayCorpus<Target: FuzzTarget>(_ target: Target.Type, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("FuzzCorpus").appendingPathComponent(Target.name)
        let inputs = try FuzzDriver.inputFiles(at: folder)
        XCTAssertGreaterThanOrEqual(inputs.count, 5, "seed corpus of \(Target.name)", file: file, line: line)
        for input in inputs {
            let finding = Target.check(Array(try Data(contentsOf: input)))
            XCTAssertNil(finding, input.lastPathComponent, file: file, line: line)
        }
    }
}
