import Foundation

/// The brokers a connection may use: one or more `amqp://` / `amqps://` URLs (the nodes of a
/// cluster, each with its own credentials if need be), kept in a shuffled order so that a fleet
/// spreads over the nodes. ``connectionOrder(after:)`` says which address to try first, and which
/// next: after a lost connection, the one following the address it was on.
public struct AMQPAddressList: Sendable, Equatable, CustomStringConvertible {
    /// The addresses in the order connections try them (shuffled at parse time).
    public let addresses: [AMQPConfiguration]

    /// One broker.
    public init(_ address: AMQPConfiguration) {
        addresses = [address]
    }

    /// Parses a comma-separated list of URLs (see ``AMQPConfiguration/init(url:)``), trimming blanks
    /// around each, and shuffles it with `generator`. An empty list, an empty entry or a bad URL is
    /// refused; when the list has several entries, the error names the entry by its position (never
    /// by its text, which may hold a password). A ',' inside a URL must be percent-encoded (%2C).
    public init(list: String, using generator: inout some RandomNumberGenerator) throws(AMQPError) {
        let entries = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard entries.contains(where: { !$0.isEmpty }) else {
            throw AMQPError(.invalidURL(part: "list"), message: "no broker URL given")
        }
        // An entry without a scheme is most likely the rest of a URL cut at a ',' in its password.
        let hint = entries.count > 1 && entries.contains { !$0.isEmpty && !$0.contains("://") }
            ? " (a ',' in a password must be written as %2C)" : ""
        var parsed: [AMQPConfiguration] = []
        for (index, entry) in entries.enumerated() {
            let position = entries.count > 1 ? "entry \(index + 1) of \(entries.count): " : ""
            guard !entry.isEmpty else {
                throw AMQPError(.invalidURL(part: "list"), message: "\(position)empty (remove the extra ',')")
            }
            do {
                parsed.append(try AMQPConfiguration(url: entry))
            } catch {
                throw AMQPError(error.kind, message: position + error.message + hint)
            }
        }
        parsed.shuffle(using: &generator)
        addresses = parsed
    }

    /// Parses and shuffles a comma-separated list of URLs with the system's random numbers.
    public init(list: String) throws(AMQPError) {
        var generator = SystemRandomNumberGenerator()
        try self.init(list: list, using: &generator)
    }

    /// Every address once, starting with the one after `previous` (the address a connection that was
    /// lost was on) and wrapping round, so a reconnect goes to the next node first and comes back to
    /// `previous` last; from the first address when `previous` is nil or not in the list.
    public func connectionOrder(after previous: AMQPConfiguration?) -> [AMQPConfiguration] {
        guard let previous, let index = addresses.firstIndex(of: previous) else { return addresses }
        let next = addresses.index(after: index)
        return Array(addresses[next...] + addresses[..<next])
    }

    /// The addresses, comma-separated, each without its password.
    public var description: String {
        addresses.map(\.description).joined(separator: ",")
    }
}
