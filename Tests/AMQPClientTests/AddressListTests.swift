import AMQPClient
import Testing
import TestSupport

@Suite("AMQP address lists")
struct AddressListTests {
    /// Parses `list` with a fixed generator, so the shuffled order is the same on every run.
    static func parse(_ list: String, seed: UInt64 = 1) throws(AMQPError) -> AMQPAddressList {
        var generator = SeededRNG(seed: seed)
        return try AMQPAddressList(list: list, using: &generator)
    }

    static func error(_ list: String) -> AMQPError? {
        do {
            _ = try parse(list)
            return nil
        } catch {
            return error
        }
    }

    @Test("one URL is a list of one, parsed as AMQPConfiguration parses it")
    func single() throws {
        let list = try Self.parse("amqp://sync:pw@broker.example:5673/v")
        #expect(list.addresses == [try AMQPConfiguration(url: "amqp://sync:pw@broker.example:5673/v")])
    }

    @Test("entries are trimmed, each keeps its own credentials, and every one is kept once")
    func mixedCredentials() throws {
        let list = try Self.parse(" amqp://a:pa@n1:5672/%2F ,\tamqps://b:pb@n2/v2\n, amqp://n3 ")
        let byHost = Dictionary(uniqueKeysWithValues: list.addresses.map { ($0.host, $0) })
        #expect(Set(byHost.keys) == ["n1", "n2", "n3"])
        #expect(byHost["n1"]?.user == "a")
        #expect(byHost["n1"]?.password == "pa")
        #expect(byHost["n2"]?.user == "b")
        #expect(byHost["n2"]?.password == "pb")
        #expect(byHost["n2"]?.tls != nil)
        #expect(byHost["n2"]?.virtualHost == "v2")
        #expect(byHost["n3"]?.user == "guest")
    }

    @Test("the order is a shuffle drawn from the generator: the same seed gives the same order, other seeds others")
    func shuffled() throws {
        let urls = (1...6).map { "amqp://n\($0)" }.joined(separator: ",")
        let first = try Self.parse(urls, seed: 7).addresses.map(\.host)
        #expect(try Self.parse(urls, seed: 7).addresses.map(\.host) == first)
        #expect(first.sorted() == (1...6).map { "n\($0)" })
        let orders = Set(try (1...20).map { try Self.parse(urls, seed: $0).addresses.map(\.host) })
        #expect(orders.count > 10)
    }

    @Test("a reconnect starts after the address that was lost and wraps round, ending with it")
    func rotation() throws {
        let list = try Self.parse("amqp://n1,amqp://n2,amqp://n3")
        let order = list.addresses
        #expect(list.connectionOrder(after: nil) == order)
        #expect(list.connectionOrder(after: order[0]) == [order[1], order[2], order[0]])
        #expect(list.connectionOrder(after: order[1]) == [order[2], order[0], order[1]])
        #expect(list.connectionOrder(after: order[2]) == order)
        #expect(list.connectionOrder(after: try AMQPConfiguration(url: "amqp://elsewhere")) == order)
    }

    @Test(
        "a bad list is refused, naming the entry by its position and the wrong part",
        arguments: [
            ("", "list", "no broker URL given"),
            (" , ", "list", "no broker URL given"),
            ("amqp://n1,,amqp://n2", "list", "entry 2 of 3: empty"),
            ("amqp://n1,", "list", "entry 2 of 2: empty"),
            ("amqp://n1, amqp://n2:99999", "port", "entry 2 of 2: the port"),
            ("http://n1,amqp://n2", "scheme", "entry 1 of 2:"),
            ("amqp://n1:99999", "port", "the port"),
        ])
    func refused(list: String, part: String, message: String) {
        let error = Self.error(list)
        #expect(error?.kind == .invalidURL(part: part))
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }

    @Test("a password cut by a bare ',' is not shown, and the error says to write %2C")
    func commaInPassword() {
        let error = Self.error("amqp://u:Zq7x,W4K9@n1/,amqp://n2")
        #expect(error?.message.contains("%2C") == true, "\(String(describing: error))")
        #expect(error?.message.contains("Zq7x") == false)
        #expect(error?.message.contains("W4K9") == false)
    }

    @Test("the list's description names every address without any password")
    func redacted() throws {
        let list = try Self.parse("amqp://a:Secret1@n1/,amqp://b:Secret2@n2/")
        let text = "\(list)"
        #expect(text.contains("a:***@n1:5672"))
        #expect(text.contains("b:***@n2:5672"))
        #expect(!text.contains("Secret1"))
        #expect(!text.contains("Secret2"))
    }
}
