import Hipcall
import HipcallJSON

/// The strict JSON parser (bodies of events and Hipcall's answers) on any bytes: nil or a value,
/// never a trap; a value written by ``JSONValue/jsonText`` parses back to the same value.
package enum JSONTarget: FuzzTarget {
    package static let name = "JSON"

    package static func check(_ input: [UInt8]) -> FuzzFinding? {
        guard let value = StrictJSON.parse(input) else { return nil }
        let written = value.jsonText
        guard let reparsed = StrictJSON.parse(Array(written.utf8)) else {
            return finding("written text parses", written.prefix(200).debugDescription)
        }
        guard reparsed == value else {
            return finding("parse(write(v)) == v", written.prefix(200).debugDescription)
        }
        return nil
    }
}
