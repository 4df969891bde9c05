/// The bearer token Hipcall's API is called with. It is never printed: `description` is
/// `<redacted>`, and only this module reads the text (for the `Authorization` header).
public struct HipcallToken: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The token itself.
    let value: String

    /// A token whose text is `value`, used as given.
    public init(_ value: String) {
        self.value = value
    }

    /// `<redacted>`, never the token.
    public var description: String { "<redacted>" }

    public var debugDescription: String { description }
}

/// Where the current token comes from (the CLI reads it from its environment or a file). The
/// client asks again while Hipcall refuses the token, so a rotated secret is picked up without a
/// restart; what the source reads, and its errors, are its own.
public protocol HipcallTokenSource: Sendable {
    /// The token to use now.
    func currentToken() throws -> HipcallToken
}
