import AMQPClient
import Foundation
import FuzzHarness
import Hipcall
import HipcallJSON
import XCTest

/// One test per input a fuzz target once broke, replaying it through the target's check and
/// asserting the fixed behaviour directly. The same inputs are in `Tests/FuzzCorpus/<target>/`.
final class FuzzFindingTests: XCTestCase {
    /// JSONTarget: `1e400` parsed as infinity and was written back as `null` (parse(write(v)) != v),
    /// so an event field holding it reached Hipcall as null. A number past Double's range is refused.
    func testNumberPastDoubleRangeIsRefusedNotWrittenAsNull() {
        let input = Array("[1e400,-1e400]".utf8)
        XCTAssertNil(JSONTarget.check(input))
        XCTAssertNil(StrictJSON.parse(Array("1e400".utf8)))
        XCTAssertNil(StrictJSON.parse(Array("-1e400".utf8)))
        XCTAssertEqual(StrictJSON.parse(Array("1e308".utf8)), .double(1e308))
        XCTAssertEqual(StrictJSON.parse(Array("1e-400".utf8)), .double(0))
    }

    /// AMQPURLTarget: a combining mark (U+07FD) right after the password's known head made the
    /// target's own check miss the head (String compares characters, and the mark joins the
    /// head's last letter). The parser was right; the target now compares UTF-8 bytes.
    func testPasswordFollowedByCombiningMarkIsReadWhole() throws {
        let input: [UInt8] = [0xDF, 0xBD, 0xDA, 0xBD]
        XCTAssertNil(AMQPURLTarget.check(input))
        let password = "head" + String(decoding: input, as: UTF8.self) + "tail"
        let configuration = try AMQPConfiguration(url: "amqp://user:\(password)@host/vhost")
        XCTAssertEqual(Array(configuration.password.utf8), Array(password.utf8))
        XCTAssertEqual(configuration.host, "host")
    }

    /// AMQPURLTarget: a query holding a bare "=" (`amqp://h/?=`, found as `...?&=&...`) trapped
    /// on an index out of range: one bad AMQP_URL crash-looped the worker. It is now refused as
    /// an unknown (empty) option, and so is "=5", which was read as an option named "5".
    func testQueryPairWithoutNameIsRefused() throws {
        let input = try XCTUnwrap(Data(base64Encoded: "YW1xcDovLwAAOTk5OTk5OTk5OZ6akIp0PTIuPyY9JllZWVlpbWUx"))
        XCTAssertNil(AMQPURLTarget.check(Array(input)))
        for url in ["amqp://h/?=", "amqp://h/?=5", "amqp://h/?heartbeat=1&="] {
            XCTAssertThrowsError(try AMQPConfiguration(url: url), url) { error in
                XCTAssertEqual((error as? AMQPError)?.kind, .invalidURL(part: ""), url)
            }
        }
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/?heartbeat=7").heartbeatSeconds, 7)
    }
}
