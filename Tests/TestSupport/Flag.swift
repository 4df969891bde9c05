import Synchronization

/// A flag that tasks set and read: whether something happened yet.
public final class Flag: Sendable {
    private let flag = Mutex(false)

    public init() {}

    public func set() { flag.withLock { $0 = true } }

    public var isSet: Bool { flag.withLock { $0 } }
}
