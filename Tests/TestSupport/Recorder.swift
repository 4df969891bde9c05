/// An append-only list shared between tasks.
public actor Recorder<Element: Sendable> {
    /// Everything appended, in order.
    public private(set) var items: [Element] = []

    public init() {}

    /// Appends `item`.
    public func append(_ item: Element) { items.append(item) }

    /// How many items were appended.
    public var count: Int { items.count }
}
