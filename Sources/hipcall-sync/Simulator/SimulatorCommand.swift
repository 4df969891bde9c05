import ArgumentParser
import Foundation
import HipcallSimulator
import HipcallSync
import Logging

/// `hipcall-sync simulator`: serves the Hipcall API simulator until SIGINT or SIGTERM.
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Serve a Hipcall v3 API simulator (companies, contacts, auth, rate limit, faults).",
        discussion: """
            API under /api/v3 as documented by Hipcall; test hooks (no auth) under /_sim/: \
            GET /_sim/stats, POST /_sim/reset, GET /_sim/accounts/{token}/records, PUT /_sim/accounts/{token}, \
            GET|PUT /_sim/faults, GET|PUT /_sim/rate-limit.
            """
    )

    @Option(help: "Interface to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one). Default: $SIMULATOR_PORT or 8080.")
    var port: Int?

    @Option(
        name: [.customLong("token"), .customLong("tokens")],
        help: "Bearer tokens, one account each; repeatable or comma-separated. Default: $SIMULATOR_TOKENS (comma-separated) or sim-token."
    )
    var tokens: [String] = []

    @Option(help: "Requests per token per minute; 0 turns the limit off.")
    var rateLimit = 60

    @Option(help: "Latency added to every API answer, in milliseconds.")
    var latencyMs = 0

    @Option(help: "Up to this many more milliseconds of random latency.")
    var jitterMs = 0

    @Option(help: "Share (0 to 1) of API requests answered 500, 502 or 503.")
    var errorRate = 0.0

    @Option(help: "Share (0 to 1) of API requests held for --stall-seconds, then answered 504.")
    var stallRate = 0.0

    @Option(help: "How long a stalled request is held, in seconds.")
    var stallSeconds = 30.0

    @Option(name: .customLong("custom-field"), help: "A contact custom_fields slug the accounts accept. Repeatable.")
    var customFields: [String] = []

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "warning"

    func validate() throws {
        _ = try resolvedPort()
        try EnvironmentDefaults.checked {
            _ = try SettingParser.number(errorRate, SettingName(flag: "--error-rate"), in: 0...1)
            _ = try SettingParser.number(stallRate, SettingName(flag: "--stall-rate"), in: 0...1)
            _ = try SettingParser.number(stallSeconds, SettingName(flag: "--stall-seconds"), in: 0...3600)
            _ = try SettingParser.integer(rateLimit, SettingName(flag: "--rate-limit"), in: 0...1_000_000)
            _ = try SettingParser.integer(latencyMs, SettingName(flag: "--latency-ms"), in: 0...600_000)
            _ = try SettingParser.integer(jitterMs, SettingName(flag: "--jitter-ms"), in: 0...600_000)
            _ = try SettingParser.choice(
                logLevel, SettingName(flag: "--log-level"), among: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        }
    }

    /// The port from --port, else $SIMULATOR_PORT, else 8080.
    private func resolvedPort() throws -> Int {
        try EnvironmentDefaults.int(port, SettingName(flag: "--port", variable: "SIMULATOR_PORT"), default: 8080, in: 0...65535)
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let port = try resolvedPort()
        let commaSeparated = { (values: [String]) in
            values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var tokens = commaSeparated(self.tokens)
        if tokens.isEmpty { tokens = commaSeparated([environment["SIMULATOR_TOKENS"] ?? ""]) }
        if tokens.isEmpty { tokens = ["sim-token"] }

        var logger = Logger(label: "hipcall-simulator")
        logger.logLevel = Logger.Level(rawValue: logLevel.trimmingCharacters(in: .whitespaces)) ?? .warning
        let configuration = SimulatorConfiguration(
            host: host,
            port: port,
            tokens: tokens,
            rateLimitPerMinute: rateLimit,
            faults: SimulatorFaults(latencyMs: latencyMs, jitterMs: jitterMs, errorRate: errorRate, stallRate: stallRate, stallSeconds: stallSeconds),
            customFieldSlugs: Set(customFields)
        )
        let simulator = HipcallSimulator(configuration: configuration, logger: logger)
        let shownTokens = tokens.map { String($0.prefix(4)) + "…" }.joined(separator: ", ")
        let host = self.host
        try await simulator.runUntilSignalled { boundPort in
            let line = "Hipcall simulator listening on http://\(host):\(boundPort)/api/v3 (accounts: \(shownTokens); rate limit \(configuration.rateLimitPerMinute)/min)\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
    }
}
