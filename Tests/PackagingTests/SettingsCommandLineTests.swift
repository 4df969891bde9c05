import Foundation
import TestSupport
import Testing

/// Hostile and clumsy settings given to the built binary: each exits 64 with a message naming the
/// setting (flag and variable), never a trap (which exits by signal, or with 132-134).
@Suite("Settings on the command line")
struct SettingsCommandLineTests {
    /// One hostile setting: the arguments, the environment added, and what the message must name.
    struct Case: Sendable, CustomStringConvertible {
        var arguments: [String]
        var environment: [String: String] = [:]
        var names: String

        var description: String {
            (environment.map { "\($0.key)=\($0.value)" }.sorted() + arguments).joined(separator: " ")
        }
    }

    static let cases: [Case] = [
        Case(arguments: ["worker", "--linger", "inf"], names: "--linger / WORKER_LINGER: 'inf'"),
        Case(arguments: ["worker", "--linger", "1e300"], names: "--linger / WORKER_LINGER: '1e300'"),
        Case(arguments: ["worker"], environment: ["WORKER_LINGER": "nan"], names: "--linger / WORKER_LINGER: 'nan'"),
        Case(arguments: ["worker", "--linger", "2h"], names: "--linger / WORKER_LINGER: '2h'"),
        Case(arguments: ["worker", "--concurrency=-1"], names: "--concurrency / WORKER_CONCURRENCY: '-1'"),
        Case(arguments: ["worker"], environment: ["WORKER_CONCURRENCY": "0"], names: "--concurrency / WORKER_CONCURRENCY: '0'"),
        Case(arguments: ["worker"], environment: ["WORKER_CONCURRENCY": "99999999999999999999"], names: "--concurrency / WORKER_CONCURRENCY"),
        Case(arguments: ["worker", "--prefetch", "70000"], names: "--prefetch / WORKER_PREFETCH: '70000'"),
        Case(arguments: ["worker"], environment: ["WORKER_PREFETCH": "0"], names: "--prefetch / WORKER_PREFETCH: '0'"),
        Case(arguments: ["worker", "--metrics-port", "99999999"], names: "--metrics-port / METRICS_PORT: '99999999'"),
        Case(arguments: ["worker"], environment: ["METRICS_PORT": "-1"], names: "--metrics-port / METRICS_PORT: '-1'"),
        Case(arguments: ["worker", "--max-attempts", "0"], names: "--max-attempts / WORKER_MAX_ATTEMPTS: '0'"),
        Case(arguments: ["worker", "--max-attempts", "1000000"], names: "--max-attempts / WORKER_MAX_ATTEMPTS"),
        Case(arguments: ["worker", "--shutdown-grace", "inf"], names: "--shutdown-grace / WORKER_SHUTDOWN_GRACE: 'inf'"),
        Case(arguments: ["worker", "--auth-probe-interval", "0"], names: "--auth-probe-interval / WORKER_AUTH_PROBE_INTERVAL: '0'"),
        Case(arguments: ["worker", "--retry-steps", "1s,1e300s"], names: "--retry-steps / RETRY_STEPS: '1e300s'"),
        Case(arguments: ["worker"], environment: ["RETRY_STEPS": "1s,0s"], names: "--retry-steps / RETRY_STEPS: '0s'"),
        Case(arguments: ["worker", "--retry-steps", "1s,400d"], names: "--retry-steps / RETRY_STEPS: '400d'"),
        Case(arguments: ["worker", "--partitions", "5000"], names: "--partitions / PARTITIONS: '5000'"),
        Case(arguments: ["worker"], environment: ["LOG_LEVEL": "loud"], names: "--log-level / LOG_LEVEL: 'loud'"),
        Case(arguments: ["worker", "--queue-prefix", String(repeating: "q", count: 300)], names: "--queue-prefix / QUEUE_PREFIX"),
        Case(arguments: ["worker", "--amqp-url", "amqp://h/?heartbeat=9999999999"], names: "--amqp-url / AMQP_URL: heartbeat"),
        Case(arguments: ["worker"], environment: ["AMQP_URL": "amqp://h/?connection_timeout=1e300"], names: "--amqp-url / AMQP_URL: connection_timeout"),
        Case(arguments: ["worker", "--amqp-url", "amqp://h/?frame_max=1"], names: "--amqp-url / AMQP_URL: frame_max"),
        Case(arguments: ["worker", "--amqp-url", "amqp://h:99999/"], names: "--amqp-url / AMQP_URL: the port"),
        Case(arguments: ["worker", "--amqp-url", "amqp://h/, amqp://h:99999/"], names: "--amqp-url / AMQP_URL: entry 2 of 2: the port"),
        Case(arguments: ["worker"], environment: ["AMQP_URL": "amqp://h/,,amqp://g/"], names: "--amqp-url / AMQP_URL: entry 2 of 3: empty"),
        Case(arguments: ["worker", "--hipcall-base-url", "ftp://hipcall.example"], names: "--hipcall-base-url / HIPCALL_BASE_URL: 'ftp://"),
        Case(arguments: ["worker"], environment: ["HIPCALL_BASE_URL": "http://h:99999"], names: "--hipcall-base-url / HIPCALL_BASE_URL: 'http://h:99999'"),
        Case(arguments: ["publish", "--rate", "1e-300"], names: "--rate: '1e-300'"),
        Case(arguments: ["publish", "--keys", "9223372036854775807", "--updates-per-key", "2"], names: "--keys: '9223372036854775807'"),
        Case(arguments: ["publish", "--duplicate-ratio", "0.5", "--invalid-ratio", "0.49999999999"], names: "--duplicate-ratio plus --invalid-ratio"),
        Case(arguments: ["publish", "--retry-steps", "inf"], names: "--retry-steps / RETRY_STEPS: 'inf'"),
        Case(arguments: ["simulator", "--stall-seconds", "inf"], names: "--stall-seconds: 'inf'"),
        Case(arguments: ["simulator", "--latency-ms", "9223372036854775807"], names: "--latency-ms"),
        Case(arguments: ["simulator"], environment: ["SIMULATOR_PORT": "99999"], names: "--port / SIMULATOR_PORT: '99999'"),
        Case(arguments: ["topology", "declare", "--retry-steps=-1s"], names: "--retry-steps / RETRY_STEPS: '-1s'"),
        Case(arguments: ["topology", "delete", "--yes", "--partitions", "1001"], names: "--partitions / PARTITIONS: '1001'"),
        Case(arguments: ["dead-letters", "replay", "--older-than", "inf"], names: "--older-than: 'inf'"),
    ]

    @Test("a hostile setting exits 64 naming the setting, never a trap", arguments: cases)
    func hostileSettingExits64(_ setting: Case) throws {
        let run = try BinaryRun(setting.arguments, environment: setting.environment)
        #expect(run.exitStatus == 64, "\(setting): \(run)")
        #expect(run.stderr.contains(setting.names), "\(setting): \(run)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Backtrace"), "\(setting): \(run)")
    }

    @Test("a bare '/' in an AMQP URL's password, or a password in the Hipcall URL, exits 64 without showing any of it")
    func passwordNeverShown() throws {
        let run = try BinaryRun(["worker", "--amqp-url", "amqp://sync:Zq7xW4/K9pvR2@broker.example/"])
        #expect(run.exitStatus == 64, "\(run)")
        #expect(run.stderr.contains("--amqp-url / AMQP_URL"), "\(run)")
        for half in ["Zq7xW4", "K9pvR2"] {
            #expect(!run.stderr.contains(half) && !run.stdout.contains(half), "\(run)")
        }
        let hipcall = try BinaryRun(["worker", "--hipcall-base-url", "https://sync:Zq7xW4K9pvR2@hipcall.example"])
        #expect(hipcall.exitStatus == 64, "\(hipcall)")
        #expect(hipcall.stderr.contains("--hipcall-base-url / HIPCALL_BASE_URL"), "\(hipcall)")
        #expect(!hipcall.stderr.contains("Zq7xW4") && !hipcall.stdout.contains("Zq7xW4"), "\(hipcall)")
    }

    @Test("a second worker on a taken metrics port fails with one line naming --metrics-port / METRICS_PORT")
    func takenMetricsPort() throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        // The broker URL points nowhere: the port is checked before anything connects.
        let run = try BinaryRun(
            ["worker"],
            environment: ["METRICS_PORT": "\(listener.port)", "METRICS_HOST": "127.0.0.1", "AMQP_URL": "amqp://127.0.0.1:1/"])
        #expect(run.exitStatus == 64, "\(run)")
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(run)")
        #expect(lines.first?.hasPrefix("Error: --metrics-port / METRICS_PORT: 127.0.0.1:\(listener.port) is already in use") == true, "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")
    }
}

/// One run of the built binary, with the worker's settings stripped from the environment, a token
/// set (so the settings, not the token, decide) and a broker URL where nothing listens; killed if
/// it is still running after 30 s.
struct BinaryRun: CustomStringConvertible {
    var exitStatus: Int32?
    var signal: Int32?
    var stdout: String
    var stderr: String

    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = ProgramHelp.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !["WORKER_", "METRICS_", "RETRY_", "LOG_", "QUEUE_", "PARTITIONS", "SIMULATOR_", "EVENTS_", "SYNCED_"].contains { key.hasPrefix($0) }
        }
        environment["HIPCALL_TOKEN"] = "settings-test-token"
        environment["METRICS_PORT"] = "0"
        // Nothing listens there: a setting that wrongly passes cannot publish to or consume from a real broker.
        environment["AMQP_URL"] = "amqp://127.0.0.1:1/"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: watchdog)
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        stdout = String(decoding: outputData, as: UTF8.self)
        stderr = String(decoding: errorData, as: UTF8.self)
        if process.terminationReason == .exit {
            exitStatus = process.terminationStatus
        } else {
            signal = process.terminationStatus
        }
    }

    var description: String {
        "exit \(exitStatus.map(String.init) ?? "-") signal \(signal.map(String.init) ?? "-")\nstderr: \(stderr.prefix(2000))\nstdout: \(stdout.prefix(500))"
    }
}
