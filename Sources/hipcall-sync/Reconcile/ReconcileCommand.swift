import AMQPClient
import ArgumentParser
import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync reconcile`: finds every drift between a CRM export and Hipcall with a paced full
/// scan of Hipcall's lists, and with `--repair` publishes one corrective event per fixable finding.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Find every drift between a CRM export and Hipcall; with --repair, fix it through the fleet.",
        discussion: """
            Reads the export (every line validated as the worker validates events; bad lines are listed by \
            number), then scans GET /companies and /contacts (100 a page, sort=id.asc: one call per page) inside \
            --budget-share of the token's rate-limit budget, so a running fleet keeps the rest. Records are \
            compared by the worker's rules: normalised external ids, only the fields a line's data holds, \
            phones and emails as sets, a contact's company by its external id. Findings: missing (in the CRM, \
            not in Hipcall), different (each field with the CRM's and Hipcall's value), orphan (in Hipcall with \
            an external id the export does not hold, or none), duplicate (several Hipcall records of one key).

            --repair publishes one event per missing and different finding to the events exchange (the fleet \
            applies it: ordering, coalescing, retries and dead letters), with occurred_at = the scan's start, so \
            a live change newer than the scan wins, and the header x-hipcall-repair (the worker then writes the \
            record past its fingerprint). --dry-run lists those events instead. Orphans and duplicates are only \
            reported: Hipcall has no delete endpoint. --state keeps the scan's pages in a file: an interrupted \
            run resumes there; the file is removed once a run completes.

            The token comes from $HIPCALL_TOKEN or the file named by $HIPCALL_TOKEN_FILE. A progress line \
            (records scanned, calls, ETA) goes to stderr on a terminal. Exit status: 0 nothing drifted, 1 drift \
            found (also when --repair published its events: run again to see it clean), 2 an error (the export, \
            Hipcall, the state file or the broker); 64 for bad options.
            """)

    @OptionGroup var export: CRMExportOptions
    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Option(help: "Hipcall host, with or without /api/v3 [$HIPCALL_BASE_URL, default http://127.0.0.1:8080].")
    var hipcallBaseURL: String?

    @Option(help: "Share of the rate-limit budget left that the scan spends, 0.001 to 1 [$RECONCILE_BUDGET_SHARE, default 0.25].")
    var budgetShare: Double?

    @Option(help: ArgumentHelp("Keep the scan in this file, to resume an interrupted run (within a day).", valueName: "path"))
    var state: String?

    @Flag(help: "Print one JSON object per finding, then a summary object.")
    var json = false

    @Flag(help: "Publish one corrective event per missing and different finding.")
    var repair = false

    @Flag(help: "With --repair: list the events instead of publishing them.")
    var dryRun = false

    @Option(help: ArgumentHelp(
        "Write hipcall_sync_reconcile_findings{kind,resource} to this file (Prometheus text format) [$RECONCILE_METRICS_FILE].",
        valueName: "path"))
    var metricsFile: String?

    @Option(help: ArgumentHelp(
        "Push hipcall_sync_reconcile_findings to this Prometheus Pushgateway (job hipcall_sync_reconcile) [$RECONCILE_PUSHGATEWAY_URL].",
        valueName: "url"))
    var pushgatewayURL: String?

    static let budgetShareSetting = SettingName(flag: "--budget-share", variable: "RECONCILE_BUDGET_SHARE")
    static let metricsFileSetting = SettingName(flag: "--metrics-file", variable: "RECONCILE_METRICS_FILE")
    static let pushgatewaySetting = SettingName(flag: "--pushgateway-url", variable: "RECONCILE_PUSHGATEWAY_URL")

    func validate() throws {
        _ = try resolvedBudgetShare()
        if dryRun && !repair { throw ValidationError("--dry-run lists what --repair would publish: give --repair too") }
    }

    /// The budget share from the flag, the variable or 0.25.
    private func resolvedBudgetShare() throws -> Double {
        try EnvironmentDefaults.checked {
            if let budgetShare { return try SettingParser.number(budgetShare, Self.budgetShareSetting, in: 0.001...1) }
            guard let text = EnvironmentDefaults.variableText(Self.budgetShareSetting) else { return 0.25 }
            return try SettingParser.number(text, Self.budgetShareSetting, in: 0.001...1)
        }
    }

    /// The scan kept in `--state` (resumed when the file holds one), or in memory only.
    private func openState() -> ReconcileState {
        guard let path = state else { return ReconcileState(scannedAt: .now) }
        do throws(ReconcileStateError) {
            return try ReconcileState(path: path, now: .now)
        } catch {
            CommandFailure.exit("\(error)")
        }
    }

    func run() async throws {
        let export = export.read()
        let amqp = repair && !dryRun ? try broker.addresses() : nil
        let topology = try topology.resolved()
        let token: HipcallToken
        do {
            token = try EnvironmentTokenSource().currentToken()
        } catch {
            CommandFailure.exit("\(error)")
        }
        let state = openState()
        let baseURL = EnvironmentDefaults.string(hipcallBaseURL, "HIPCALL_BASE_URL", default: "http://127.0.0.1:8080")
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: baseURL, token: token))
        let scan = ReconcileScan(lister: PacedLister(client: client, budgetShare: try resolvedBudgetShare()))
        let progress = ReconcileProgress()
        let calls = try await ProgressLine.showing({ progress.line() }) {
            do throws(ReconcileScanError) {
                return try await scan.run(into: state) { progress.update($0) }
            } catch {
                try? await client.shutdown()
                CommandFailure.exit("the scan stopped: \(error)\(self.state.map { " (run again with --state \($0) to resume)" } ?? "")")
            }
        }
        try? await client.shutdown()

        let outcome = ReconcileComparison.compare(
            export, companies: state.rows[.companies] ?? [], contacts: state.rows[.contacts] ?? [])
        let report = ReconcileReport(outcome: outcome, export: export, state: state, calls: calls)
        print(json ? report.findingLines : report.table, terminator: "")
        if let path = metricsFile ?? EnvironmentDefaults.variableText(Self.metricsFileSetting) {
            ReconcileMetrics.write(report, to: path)
        }
        if let gateway = pushgatewayURL ?? EnvironmentDefaults.variableText(Self.pushgatewaySetting) {
            await ReconcileMetrics.push(report, to: gateway)
        }
        var repaired: JSONValue?
        if repair {
            let events = RepairEvents.events(for: report.findings, export: export, scannedAt: state.scannedAt)
            let publisher = RepairPublisher(json: json)
            if let amqp {
                repaired = await publisher.publish(events, amqp: amqp, exchange: topology.eventsExchange)
            } else {
                repaired = publisher.list(events)
            }
        }
        if json { print(report.summary(repair: repaired).jsonText) }
        if let path = self.state { try? FileManager.default.removeItem(atPath: path) }
        if report.drifted { throw ExitCode.failure }
    }
}
