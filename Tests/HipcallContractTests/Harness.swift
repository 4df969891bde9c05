import Foundation
@testable import Hipcall
import HipcallSimulator
import Testing

/// Where the contract tests run: against real Hipcall when `HIPCALL_BASE_URL` and
/// `HIPCALL_TOKEN` are set, otherwise against a fresh in-process simulator per test.
enum Target {
    static let environment = ProcessInfo.processInfo.environment
    /// The real account's base URL, when configured.
    static let realBaseURL = environment["HIPCALL_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// Whether the suite talks to real Hipcall.
    static let isReal = realBaseURL != nil && (environment["HIPCALL_TOKEN"].map { !$0.isEmpty } ?? false)
    /// Whether the suite talks to the simulator (simulator-only tests are skipped otherwise).
    static let isSimulator = !isReal
    /// Distinguishes this run's external ids from every other run's on a shared real account.
    static let runID = String(UUID().uuidString.prefix(8)).lowercased()
}

/// One test's connection: a client, and the simulator behind it when there is one.
struct Harness: Sendable {
    let client: HipcallClient
    let simulator: RunningSimulator?
    /// The token of the account the client uses.
    let token: String
    /// A second account's token (simulator only).
    let otherToken: String

    /// `value` as an external id no other run uses: unchanged on the fresh simulator,
    /// suffixed with the run id on a shared real account.
    func unique(_ value: String) -> String {
        Target.isReal ? "\(value)-\(Target.runID)-\(UUID().uuidString.prefix(6))" : value
    }

    /// Runs `body` with a client of the second account (simulator only), then shuts it down.
    func withOtherClient<Result: Sendable>(_ body: (HipcallClient) async throws -> Result) async throws -> Result {
        let other = HipcallClient(configuration: HipcallConfiguration(baseURL: client.configuration.baseURL, token: HipcallToken(otherToken)))
        do {
            let result = try await body(other)
            try await other.shutdown()
            return result
        } catch {
            try? await other.shutdown()
            throw error
        }
    }

    /// The simulator, which simulator-only tests may assume.
    var sim: HipcallSimulator { simulator!.simulator }

    /// Runs `body` against a fresh simulator (or the real account) and shuts everything down.
    static func with<Result: Sendable>(
        rateLimit: Int = 1000,
        requestTimeout: Duration = .seconds(15),
        _ body: (Harness) async throws -> Result
    ) async throws -> Result {
        let harness: Harness
        if Target.isReal, let baseURL = Target.realBaseURL {
            // One test at a time, each starting with enough of the shared budget left.
            await RealAccountGate.shared.acquire()
            let token = (Target.environment["HIPCALL_TOKEN"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            let configuration = HipcallConfiguration(baseURL: baseURL, token: HipcallToken(token))
            harness = Harness(
                client: HipcallClient(configuration: Self.timed(configuration, requestTimeout)),
                simulator: nil, token: token, otherToken: ""
            )
            do {
                try await RealAccountGate.waitForBudget(harness.client)
            } catch {
                try? await harness.client.shutdown()
                await RealAccountGate.shared.release()
                throw error
            }
        } else {
            let token = "ct-\(UUID().uuidString)"
            let other = "ct-other-\(UUID().uuidString)"
            let running = try await HipcallSimulator.start(
                SimulatorConfiguration(host: "127.0.0.1", port: 0, tokens: [token, other], rateLimitPerMinute: rateLimit)
            )
            let configuration = HipcallConfiguration(baseURL: running.baseURL, token: HipcallToken(token))
            harness = Harness(client: HipcallClient(configuration: Self.timed(configuration, requestTimeout)), simulator: running, token: token, otherToken: other)
        }
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(harness))
        } catch {
            outcome = .failure(error)
        }
        try? await harness.client.shutdown()
        await harness.simulator?.stop()
        if Target.isReal { await RealAccountGate.shared.release() }
        return try outcome.get()
    }

    private static func timed(_ configuration: HipcallConfiguration, _ timeout: Duration) -> HipcallConfiguration {
        var configuration = configuration
        configuration.requestTimeout = timeout
        configuration.connectTimeout = .seconds(5)
        return configuration
    }
}

/// Runs `operation`, requires it to throw a `HipcallError`, and returns that error.
func expectHipcallError<T>(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ operation: () async throws -> T
) async throws -> HipcallError {
    do {
        let value = try await operation()
        Issue.record("expected a HipcallError, got \(value)", sourceLocation: sourceLocation)
        throw ExpectedFailure()
    } catch let error as HipcallError {
        return error
    }
}

/// Thrown when an expected error did not happen, to end the test.
struct ExpectedFailure: Error {}

/// Serialises tests against a real account and waits for its rate-limit window when the
/// budget left could not cover a whole test (the racing test sends 21 requests).
actor RealAccountGate {
    static let shared = RealAccountGate()
    /// Requests one test may need at most.
    static let budgetPerTest = 40

    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Waits for this test's turn.
    func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    /// Hands the turn to the next test.
    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }

    /// Sleeps until the window resets if fewer than `budgetPerTest` requests are left.
    static func waitForBudget(_ client: HipcallClient) async throws {
        let probe = try await client.record(.companies, externalID: "budget-probe-\(Target.runID)")
        guard let state = probe.rateLimit, state.remaining < budgetPerTest else { return }
        let wait = max(0, Double(state.reset) - Date.now.timeIntervalSince1970) + 1
        try await Task.sleep(for: .seconds(wait))
    }
}
