/// A property of the code under fuzzing that one input broke: which target, which property, and what happened.
package struct FuzzFinding: Error, Sendable, Equatable, CustomStringConvertible {
    package let target: String
    package let property: String
    package let detail: String

    package init(target: String, property: String, detail: String) {
        self.target = target
        self.property = property
        self.detail = detail
    }

    package var description: String { "\(target): \(property): \(detail)" }
}

/// Code fed arbitrary bytes. ``check(_:)`` must never trap or stall on any input, and returns the
/// property the input broke, if any (a trap inside is itself the finding libFuzzer reports).
package protocol FuzzTarget {
    /// The target's name: its corpus folder under `Tests/FuzzCorpus` and, prefixed by `Fuzz`, its product.
    static var name: String { get }
    /// Runs the code under test on `input` and checks what it promises.
    static func check(_ input: [UInt8]) -> FuzzFinding?
}

extension FuzzTarget {
    /// A finding of this target.
    static func finding(_ property: String, _ detail: String) -> FuzzFinding {
        FuzzFinding(target: name, property: property, detail: detail)
    }
}
