import ArgumentParser
import Foundation
import Hipcall
import HipcallJSON
import SyntheticLoad

/// `hipcall-sync publish verify`: the one convergence check, comparing expect files written by
/// `publish --expect-file` with the records Hipcall (or the simulator) holds.
struct PublishVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that Hipcall's records match the state expect files name (the convergence check).",
        discussion: """
            Reads every company and contact through Hipcall's API (GET /companies and /contacts, 100 a page) and \
            compares them with the expected state, by the worker's rules: only the fields the expected state names, \
            "" equal to null, external ids normalised, phones and emails as sets (emails case-insensitive), a \
            contact's company_external_id as its company's id. Reports lost keys (no record), unexpected records, \
            records that differ (with the fields) and keys with several records. Several --expect files are merged: \
            a later file's state wins for a key both name, invalid counts add up. The token comes from \
            $HIPCALL_TOKEN or the file named by $HIPCALL_TOKEN_FILE. Exit status: 0 converged, 1 not converged, \
            2 when an expect file or Hipcall cannot be read; 64 for bad options.
            """)

    @Option(name: .customLong("expect"), help: ArgumentHelp("An expect file written by publish --expect-file; repeat to merge several.", valueName: "path"))
    var expectFiles: [String] = []

    @Option(help: "Hipcall host, with or without /api/v3 [$HIPCALL_BASE_URL, default http://127.0.0.1:8080].")
    var hipcallBaseURL: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    /// `publish`, which takes a `--json` given after `verify` as its own.
    @ParentCommand var publish: PublishCommand

    func validate() throws {
        guard !expectFiles.isEmpty else { throw ValidationError("--expect is required") }
    }

    func run() async throws {
        var expected = ExpectedState()
        for path in expectFiles {
            guard let data = FileManager.default.contents(atPath: path), let value = StrictJSON.parse(Array(data)),
                let state = ExpectedState(json: value)
            else { CommandFailure.exit("--expect \(path): not an expect file written by publish --expect-file") }
            expected.merge(state)
        }
        let token: HipcallToken
        do {
            token = try EnvironmentTokenSource().currentToken()
        } catch {
            CommandFailure.exit("\(error)")
        }
        let baseURL = EnvironmentDefaults.string(hipcallBaseURL, "HIPCALL_BASE_URL", default: "http://127.0.0.1:8080")
        let client = HipcallClient(configuration: HipcallConfiguration(baseURL: baseURL, token: token))
        let companies: [HipcallRecord]
        let contacts: [HipcallRecord]
        do {
            companies = try await Self.records(.companies, client: client)
            contacts = try await Self.records(.contacts, client: client)
        } catch {
            try? await client.shutdown()
            CommandFailure.exit("cannot read Hipcall's records: \(error)")
        }
        try? await client.shutdown()
        let report = ConvergenceCheck.compare(expected, companies: companies, contacts: contacts)
        if json || publish.json {
            print(report.json.jsonText)
        } else {
            for problem in report.problems { print(problem) }
            print(
                "\(report.converged ? "converged" : "NOT converged"): \(report.expected) keys expected, \(report.lost.count) lost, "
                    + "\(report.differing.count) differing, \(report.unexpected.count) unexpected, \(report.duplicates.count) duplicated")
        }
        if !report.converged { throw ExitCode.failure }
    }

    /// The most records read per resource: an API (or a proxy) that answers full pages forever ends
    /// the check with an error instead of holding it and its memory without end.
    static let maxRecords = 1_000_000

    /// Why the record listing was abandoned.
    struct ListingTooLong: Error, CustomStringConvertible {
        let resource: HipcallResource
        var description: String {
            "GET /\(resource.rawValue) kept answering full pages past \(PublishVerifyCommand.maxRecords) records"
        }
    }

    /// Every record of `resource`, page by page; a transient failure is tried again up to 5 times.
    static func records(_ resource: HipcallResource, client: HipcallClient) async throws -> [HipcallRecord] {
        var records: [HipcallRecord] = []
        var failures = 0
        while true {
            guard records.count < maxRecords else { throw ListingTooLong(resource: resource) }
            let page: HipcallPage
            do {
                page = try await client.list(resource, limit: 100, offset: records.count).value
            } catch let error as HipcallError where error.failureClass == .transient && failures < 5 {
                failures += 1
                try await Task.sleep(for: .milliseconds(200 * failures))
                continue
            }
            records += page.records
            if page.records.count < 100 { return records }
        }
    }
}
