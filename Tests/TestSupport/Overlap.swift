/// A counter of concurrently running sections, the highest concurrency seen, and the order sections
/// entered in.
public actor Overlap {
    /// Sections inside now.
    public private(set) var running = 0
    /// The most sections ever inside at once.
    public private(set) var maximum = 0
    /// The names given to `enter`, in the order they entered.
    public private(set) var order: [String] = []

    public init() {}

    /// Marks a section as entered.
    public func enter(_ name: String = "") {
        running += 1
        maximum = max(maximum, running)
        order.append(name)
    }

    /// Marks a section as left.
    public func leave() { running -= 1 }
}
