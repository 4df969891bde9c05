import FuzzHarness
import Hipcall
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
}
