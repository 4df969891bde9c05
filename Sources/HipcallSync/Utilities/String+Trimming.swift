import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, without Foundation's NSString round trip
    /// when the text starts and ends with ASCII that is not whitespace (nearly every value), so there
    /// is nothing to trim.
    func trimmingWhitespaceAndNewlines() -> String {
        hasUntrimmableASCIIEnds ? self : trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `trimmingCharacters(in: .whitespaces)`, with the same shortcut as ``trimmingWhitespaceAndNewlines()``.
    func trimmingWhitespace() -> String {
        hasUntrimmableASCIIEnds ? self : trimmingCharacters(in: .whitespaces)
    }

    /// Whether the first and last bytes are ASCII outside U+0009–U+000D and U+0020: the only ASCII
    /// members of `CharacterSet.whitespaces` and `.whitespacesAndNewlines`.
    private var hasUntrimmableASCIIEnds: Bool {
        func untrimmable(_ byte: UInt8?) -> Bool {
            guard let byte else { return false }
            return byte < 0x80 && byte != 0x20 && !(0x09...0x0D).contains(byte)
        }
        return untrimmable(utf8.first) && untrimmable(utf8.last)
    }
}
