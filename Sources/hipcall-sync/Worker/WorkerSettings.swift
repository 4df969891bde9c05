import Foundation
import HipcallSync
import Logging

/// The worker's settings but the token and the broker URL, from its flags, then their environment
/// variables, then the defaults, each range checked (a bad one exits 64 naming flag and variable).
struct WorkerSettings {
    static let metricsPortSetting = SettingName(flag: "--metrics-port", variable: "METRICS_PORT")

    static let baseURLSetting = SettingName(flag: "--hipcall-base-url", variable: "HIPCALL_BASE_URL")

    /// Hipcall's root: an http or https URL with a host, and nothing after the path.
    let hipcallBaseURL: String
    let level: Logger.Level
    let concurrency: Int
    let prefetch: UInt16
    let maxAttempts: Int
    let linger: Duration
    let authProbeInterval: Duration
    let shutdownGrace: Duration
    let pauseHoldLimit: Duration
    let maxClockSkew: Duration
    let waitingReplayInterval: Duration
    /// 0 turns the metrics endpoint off.
    let metricsPort: Int

    init(_ command: WorkerCommand) throws {
        hipcallBaseURL = try EnvironmentDefaults.checked {
            try Self.baseURL(command.hipcallBaseURL ?? EnvironmentDefaults.variableText(Self.baseURLSetting) ?? "http://127.0.0.1:8080")
        }
        let level = try EnvironmentDefaults.logLevel(command.logLevel, SettingName(flag: "--log-level", variable: "LOG_LEVEL"))
        self.level = Logger.Level(rawValue: level) ?? .info
        concurrency = try EnvironmentDefaults.int(
            command.concurrency, SettingName(flag: "--concurrency", variable: "WORKER_CONCURRENCY"), default: 32, in: 1...1024)
        // In 1...65535, so the conversion cannot trap.
        prefetch = UInt16(
            try EnvironmentDefaults.int(
                command.prefetch, SettingName(flag: "--prefetch", variable: "WORKER_PREFETCH"), default: 512, in: 1...65535))
        maxAttempts = try EnvironmentDefaults.int(
            command.maxAttempts, SettingName(flag: "--max-attempts", variable: "WORKER_MAX_ATTEMPTS"), default: 5, in: 1...1000)
        linger = try EnvironmentDefaults.duration(
            command.linger, SettingName(flag: "--linger", variable: "WORKER_LINGER"), default: "100ms", in: .zero ... .seconds(60))
        authProbeInterval = try EnvironmentDefaults.duration(
            command.authProbeInterval, SettingName(flag: "--auth-probe-interval", variable: "WORKER_AUTH_PROBE_INTERVAL"),
            default: "30s", in: .milliseconds(100) ... .seconds(3600))
        shutdownGrace = try EnvironmentDefaults.duration(
            command.shutdownGrace, SettingName(flag: "--shutdown-grace", variable: "WORKER_SHUTDOWN_GRACE"), default: "20s",
            in: .zero ... .seconds(3600))
        pauseHoldLimit = try EnvironmentDefaults.duration(
            command.pauseHoldLimit, SettingName(flag: "--pause-hold-limit", variable: "WORKER_PAUSE_HOLD_LIMIT"), default: "5m",
            in: .seconds(1) ... .seconds(3600))
        maxClockSkew = try EnvironmentDefaults.duration(
            command.maxClockSkew, SettingName(flag: "--max-clock-skew", variable: "WORKER_MAX_CLOCK_SKEW"), default: "1h",
            in: .zero ... .seconds(30 * 86400))
        waitingReplayInterval = try EnvironmentDefaults.duration(
            command.waitingReplayInterval, SettingName(flag: "--waiting-replay-interval", variable: "WORKER_WAITING_REPLAY_INTERVAL"),
            default: "10s", in: .milliseconds(100) ... .seconds(3600))
        metricsPort = try EnvironmentDefaults.int(command.metricsPort, Self.metricsPortSetting, default: 9090, in: 0...65535)
    }

    /// Checks the Hipcall base URL's form (whether it is Hipcall's API is checked when the worker starts).
    static func baseURL(_ text: String) throws(SettingError) -> String {
        let components = URLComponents(string: text)
        if components?.user != nil || components?.password != nil || (components == nil && text.contains("@")) {
            // Not echoed: the user part may hold a password.
            throw SettingError(baseURLSetting, value: "…", reason: "holds a user or password; the token goes in HIPCALL_TOKEN or HIPCALL_TOKEN_FILE")
        }
        guard let components, let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil,
              (1...65535).contains(components.port ?? 80)
        else {
            throw SettingError(baseURLSetting, value: text, reason: "is not an http:// or https:// URL with a host, a port up to 65535 and no query")
        }
        return text
    }
}
