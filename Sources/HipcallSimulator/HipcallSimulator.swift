import Hipcall
import HipcallJSON
import Hummingbird
import Logging
import NIOCore

/// A stand-in for Hipcall's v3 API (companies, contacts, auth, rate limit) with fault
/// injection and `/_sim/` introspection, served by Hummingbird.
///
/// Where the documentation is silent, the simulator chooses (and the contract tests accept
/// any 2xx): adding a phone or email answers 201 with the record, removing one 200 with the
/// record; unknown body fields are ignored; a 401 carries no `x-ratelimit-*` headers (no
/// known token), nor does any answer when the limit is 0 (off); a stalled request is
/// answered 504 after `stallSeconds` and, like an injected 5xx, changes nothing. A path outside
/// `/api/v3` and `/_sim/` answers an HTML 404, as a web application's host does.
public final class HipcallSimulator: Sendable {
    /// The configuration it was started with (faults and rate limit may since have changed).
    public let configuration: SimulatorConfiguration
    let engine: SimulatorEngine
    private let logger: Logger

    public init(configuration: SimulatorConfiguration, logger: Logger = Logger(label: "hipcall-simulator")) {
        self.configuration = configuration
        self.engine = SimulatorEngine(configuration: configuration)
        self.logger = logger
    }

    /// Serves until the task is cancelled; `onListening` gets the bound port once it listens.
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onListening: onListening).run()
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully.
    public func runUntilSignalled(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onListening: onListening).runService()
    }

    private func application(onListening: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        Application(
            responder: SimulatorResponder(engine: engine, introspection: IntrospectionHandler(engine: engine)),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    /// Starts a simulator in this process (use port 0 for a free port) and returns once it listens.
    public static func start(_ configuration: SimulatorConfiguration) async throws -> RunningSimulator {
        let simulator = HipcallSimulator(configuration: configuration)
        let server = try await InProcessServer.start(host: configuration.host) { try await simulator.run(onListening: $0) }
        return RunningSimulator(simulator: simulator, server: server)
    }

    // MARK: Run-time control (the same as the `/_sim/` endpoints)

    /// The faults now injected.
    public var faults: SimulatorFaults {
        get { engine.faults.withLockedValue { $0 } }
        set { engine.faults.withLockedValue { $0 = newValue } }
    }

    /// Requests per token per minute; 0 turns the limit off. Setting it restarts every window.
    public var rateLimitPerMinute: Int {
        get { engine.store.ratePerMinute }
        set { engine.store.ratePerMinute = newValue }
    }

    /// Counts of the API requests answered so far.
    public var stats: SimulatorStats { engine.counter.snapshot }

    /// Adds an empty account for `token`; returns `false` if it already exists.
    @discardableResult
    func addAccount(token: String) -> Bool { engine.store.addAccount(token: token) }

    /// An account's companies and contacts as `HipcallRecord`s, oldest first; `nil` for an unknown token.
    public func records(token: String) -> (companies: [HipcallRecord], contacts: [HipcallRecord])? {
        guard let dump = engine.store.dump(token: token) else { return nil }
        let convert = { (record: SimulatedRecord) in HipcallRecord(id: record.id, fields: record.fields) }
        return (dump.companies.map(convert), dump.contacts.map(convert))
    }

    /// Creates records in an account as `POST /{resource}` would (the same validation), without a
    /// request: no rate limit, no count in the stats. Seeds a large account for a test or a bench.
    /// Returns the new ids in order, nil for a record refused (or an unknown token).
    public func seed(token: String, _ resource: HipcallResource, _ records: [[String: JSONValue]]) -> [Int64?] {
        records.map { fields in
            let write = engine.validator.validate(fields, resource: resource, mode: .create)
            guard write.errors.isEmpty, case .created(let record) = engine.store.create(token: token, resource: resource, changes: write.changes)
            else { return nil }
            return record.id
        }
    }

    /// Stores a record exactly as given, past validation, normalisation and the uniqueness of external
    /// ids: what an import through Hipcall's own interface may leave behind (`" ERP-7"` beside its
    /// trimmed twin, a contact of a company id that does not exist). For tests of what reconcile finds.
    /// Returns the new id, nil for an unknown token.
    public func plant(token: String, _ resource: HipcallResource, _ fields: [String: JSONValue]) -> Int64? {
        engine.store.plant(token: token, resource: resource, fields: fields)?.id
    }

    /// Empties every account, rate-limit window and count.
    public func reset() {
        engine.store.reset()
        engine.counter.reset()
    }
}

/// A simulator serving in this process, e.g. for a test; `stop()` it when done.
public struct RunningSimulator: Sendable {
    /// The simulator, for run-time control and introspection.
    public let simulator: HipcallSimulator
    private let server: InProcessServer

    init(simulator: HipcallSimulator, server: InProcessServer) {
        self.simulator = simulator
        self.server = server
    }

    /// The interface it listens on.
    public var host: String { server.host }
    /// The port it is bound to.
    public var port: Int { server.port }

    /// `http://host:port`, the base URL for `HipcallConfiguration`.
    public var baseURL: String { server.baseURL }

    /// Stops serving and waits until the server has shut down.
    public func stop() async { await server.stop() }
}
