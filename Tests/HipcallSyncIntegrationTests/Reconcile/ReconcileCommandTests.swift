import Foundation
import Hipcall
import HipcallJSON
@testable import HipcallSimulator
@testable import HipcallSync
import Testing
import TestSupport

/// `hipcall-sync reconcile` and `resync` against the simulator: an account seeded with every kind
/// of drift, the report that names exactly those, `--repair` through a worker, and a second run clean.
@Suite(.serialized) struct ReconcileCommandTests {
    /// The CRM's current records: 120 companies (two pages) and 30 contacts.
    static func exportLines() -> [String] {
        var lines: [String] = []
        for index in 1...120 {
            lines.append(
                #"{"type":"company.changed","external_id":"ERP-\#(index)","data":{"name":"Company \#(index)","website_url":"https://c\#(index).example","phones":[{"number":"+4420452\#(String(format: "%05d", index))"}],"emails":[{"email":"info@c\#(index).example"}]}}"#)
        }
        for index in 1...30 {
            lines.append(
                #"{"type":"contact.changed","external_id":"C-\#(index)","data":{"first_name":"Person \#(index)","job_title":"Buyer","company_external_id":"ERP-\#(index)","custom_fields":{"tier":"gold"}}}"#)
        }
        return lines
    }

    /// The fields Hipcall holds when a company is in line with its export line.
    static func company(_ index: Int) -> [String: JSONValue] {
        [
            "name": .string("Company \(index)"), "external_id": .string("ERP-\(index)"), "website_url": .string("https://c\(index).example"),
            "phones": [["number": .string("+4420452" + String(format: "%05d", index)), "country": "GB"]],
            "emails": [["email": .string("info@c\(index).example")]],
        ]
    }

    static func write(_ lines: [String]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crm-export-\(UUID().uuidString).ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
        return url
    }

    /// Runs `reconcile --json` (plus `arguments`) against the world: the findings and the summary.
    static func reconcile(_ world: SyncTestEnvironment, export: URL, _ arguments: [String] = []) async throws
        -> (status: Int32, findings: [[String: Any]], summary: [String: Any], stderr: String)
    {
        let result = try await world.command(
            ["reconcile", "--crm-export", export.path, "--hipcall-base-url", world.simulator.baseURL, "--json"] + arguments,
            environment: ["HIPCALL_TOKEN": world.token, "HIPCALL_TOKEN_FILE": nil])
        let objects = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let summary = objects.last { $0["kind"] as? String == "summary" } ?? [:]
        let findings = objects.filter { ["missing", "different", "orphan", "duplicate"].contains($0["kind"] as? String ?? "") }
        return (result.status, findings, summary, result.stderr)
    }

    /// `kind resource external_id` of each finding, sorted.
    static func names(_ findings: [[String: Any]]) -> [String] {
        findings.map { "\($0["kind"] ?? "") \($0["resource"] ?? "") \($0["external_id"] as? String ?? "-")" }.sorted()
    }

    /// Seeds the account in line with the export except for one drift of every kind; the ids of the companies.
    @discardableResult
    static func seedDrifted(_ world: SyncTestEnvironment) throws -> [Int64?] {
        let simulator = world.simulator.simulator
        var companies = (1...120).filter { $0 != 7 }.map(company)  // ERP-7 is missing
        companies[2 - 1]["name"] = "Renamed by an agent"  // ERP-2 differs: name
        companies[3 - 1]["phones"] = [["number": "+442099999999"]]  // ERP-3 differs: phones
        companies.append(["name": "Orphan Ltd", "external_id": "ERP-ORPHAN"])
        companies.append(["name": "No key Ltd"])
        let ids = simulator.seed(token: world.token, .companies, companies)
        #expect(ids.allSatisfy { $0 != nil })
        // ERP-9 twice: an import that kept the spaces around its key.
        #expect(simulator.plant(token: world.token, .companies, ["name": "Company 9", "external_id": " ERP-9 "]) != nil)
        let byKey = Dictionary(uniqueKeysWithValues: zip(companies.map { $0["external_id"]?.stringValue ?? "" }, ids.map { $0 ?? 0 }))
        var contacts: [[String: JSONValue]] = (1...30).filter { $0 != 30 }.map { index in
            [
                "first_name": .string("Person \(index)"), "external_id": .string("C-\(index)"), "job_title": "Buyer",
                "company_id": .int(byKey["ERP-\(index)"] ?? 0), "custom_fields": ["tier": "gold"],
            ]
        }
        contacts[5 - 1]["company_id"] = .int(byKey["ERP-6"] ?? 0)  // C-5 differs: linked to another company
        contacts[6 - 1]["custom_fields"] = ["tier": "silver"]  // C-6 differs: a custom field
        contacts[7 - 1]["company_id"] = .null  // C-7 differs: its company ERP-7 is missing, so unlinked
        contacts.append(["first_name": "Stray", "external_id": "C-ORPHAN"])
        #expect(simulator.seed(token: world.token, .contacts, contacts).allSatisfy { $0 != nil })
        return ids
    }

    /// The contacts' custom field slugs the simulated account defines.
    static let slugs: Set<String> = ["tier"]

    static let seededDrift = [
        "different companies ERP-2", "different companies ERP-3", "different contacts C-5", "different contacts C-6",
        "different contacts C-7", "duplicate companies ERP-9", "missing companies ERP-7", "missing contacts C-30",
        "orphan companies -", "orphan companies ERP-ORPHAN", "orphan contacts C-ORPHAN",
    ]

    @Test(.timeLimit(.minutes(2)))
    func reportsExactlyTheSeededDriftWithOneCallPerPage() async throws {
        try await withSyncEnvironment(rateLimitPerMinute: 6_000, customFieldSlugs: Self.slugs) { world in
            try Self.seedDrifted(world)
            let export = try Self.write(Self.exportLines())
            defer { try? FileManager.default.removeItem(at: export) }
            let before = world.simulator.simulator.stats.total
            let run = try await Self.reconcile(world, export: export)
            #expect(run.status == 1, "\(run.stderr)")
            #expect(Self.names(run.findings) == Self.seededDrift)
            let renamed = try #require(run.findings.first { $0["external_id"] as? String == "ERP-2" })
            let fields = try #require(renamed["fields"] as? [String: [String: Any]])
            #expect(Array(fields.keys) == ["name"])
            #expect(fields["name"]?["crm"] as? String == "Company 2" && fields["name"]?["hipcall"] as? String == "Renamed by an agent")
            let relinked = try #require(run.findings.first { $0["external_id"] as? String == "C-5" }?["fields"] as? [String: [String: Any]])
            #expect(relinked["company_external_id"]?["crm"] as? String == "ERP-5")
            #expect(relinked["company_external_id"]?["hipcall"] as? String == "ERP-6")
            let duplicate = try #require(run.findings.first { $0["kind"] as? String == "duplicate" })
            #expect((duplicate["hipcall_ids"] as? [Int])?.count == 2)
            // 122 companies: two pages; 30 contacts: one page. Nothing else.
            #expect(run.summary["calls"] as? Int == 3)
            #expect(world.simulator.simulator.stats.total - before == 3)
            #expect(world.simulator.simulator.stats.count(method: "GET", route: "/api/v3/companies") == 2)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func anAccountInLineExitsZeroAndABadExportTwoNamingItsLine() async throws {
        try await withSyncEnvironment { world in
            _ = world.simulator.simulator.seed(token: world.token, .companies, (1...120).map(Self.company))
            let export = try Self.write(Array(Self.exportLines().prefix(120)))
            defer { try? FileManager.default.removeItem(at: export) }
            let clean = try await Self.reconcile(world, export: export)
            #expect(clean.status == 0, "\(clean.stderr)")
            #expect(clean.findings.isEmpty)
            #expect(clean.summary["drifted"] as? Bool == false)

            let bad = try Self.write([Self.exportLines()[0], #"{"type":"company.changed","external_id":"","data":{}}"#])
            defer { try? FileManager.default.removeItem(at: bad) }
            let refused = try await Self.reconcile(world, export: bad)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("line 2 (external_id)"), "\(refused.stderr)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aStateFileResumesTheScanWithoutReadingItsPagesAgain() async throws {
        try await withSyncEnvironment(customFieldSlugs: Self.slugs) { world in
            try Self.seedDrifted(world)
            let export = try Self.write(Self.exportLines())
            let state = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-state-\(UUID().uuidString)")
            defer {
                try? FileManager.default.removeItem(at: export)
                try? FileManager.default.removeItem(at: state)
            }
            // A run refused by Hipcall (exit 2) leaves its state file; then the first companies page is
            // added to it, as a run that died after that page would have left it.
            let first = try await world.command(
                ["reconcile", "--crm-export", export.path, "--hipcall-base-url", world.simulator.baseURL, "--state", state.path],
                environment: ["HIPCALL_TOKEN": "a-token-Hipcall-refuses"])
            #expect(first.status == 2)
            #expect(first.stderr.contains("HTTP 401") && first.stderr.contains("--state \(state.path)"), "\(first.stderr)")
            #expect(!first.stderr.contains("a-token-Hipcall-refuses"))
            let client = HipcallClient(configuration: HipcallConfiguration(baseURL: world.simulator.baseURL, token: HipcallToken(world.token)))
            let page = try await client.list(.companies, limit: 100, offset: 0, sort: "id.asc").value
            try await client.shutdown()
            let rows = page.records.map { record -> JSONValue in
                var object = record.fields
                object["id"] = .int(record.id)
                return .object(object)
            }
            let handle = try FileHandle(forWritingTo: state)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((JSONValue.object(["resource": "companies", "offset": 0, "count": 122, "rows": .array(rows)]).jsonText + "\n").utf8))
            try handle.close()
            let before = world.simulator.simulator.stats.total

            let resumed = try await Self.reconcile(world, export: export, ["--state", state.path])
            #expect(resumed.status == 1, "\(resumed.stderr)")
            #expect(Self.names(resumed.findings) == Self.seededDrift)
            #expect(world.simulator.simulator.stats.total - before == 2, "the second companies page and the contacts page")
            #expect(!FileManager.default.fileExists(atPath: state.path), "a completed run removes its state")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aDryRunListsTheRepairsAndPublishesNothing() async throws {
        try await withSyncEnvironment(customFieldSlugs: Self.slugs) { world in
            try Self.seedDrifted(world)
            let export = try Self.write(Self.exportLines())
            defer { try? FileManager.default.removeItem(at: export) }
            let result = try await world.command(
                ["reconcile", "--crm-export", export.path, "--hipcall-base-url", world.simulator.baseURL, "--json", "--repair", "--dry-run"],
                environment: ["HIPCALL_TOKEN": world.token, "HIPCALL_TOKEN_FILE": nil])
            #expect(result.status == 1, "\(result.stderr)")
            let objects = result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            let repairs = objects.filter { $0["kind"] as? String == "repair" }
            #expect(repairs.map { "\($0["resource"] ?? "") \($0["external_id"] ?? "")" } == [
                "companies ERP-2", "companies ERP-3", "companies ERP-7", "contacts C-30", "contacts C-5", "contacts C-6", "contacts C-7",
            ])
            #expect(repairs.allSatisfy { $0["published"] as? Bool == false })
            #expect(objects.last?["kind"] as? String == "summary")
            #expect((objects.last?["repair"] as? [String: Any])?["dry_run"] as? Bool == true)
            #expect(try await world.depth(world.topology.workQueue) == 0, "a dry run published nothing")
        }
    }
}
