import Foundation
import Hipcall
import HipcallJSON
@testable import HipcallSimulator
@testable import HipcallSync
import Testing
import TestSupport

/// `reconcile --repair` through a worker: the fleet brought Hipcall in line (its fingerprints say
/// so), then records were edited behind its back and some never arrived; the repair's events
/// converge the account, a second reconcile is clean, and a live change newer than the scan wins.
@Suite(.serialized) struct ReconcileRepairTests {
    typealias Commands = ReconcileCommandTests

    /// A client of the world's account, as an agent editing records in Hipcall's interface.
    static func agent(_ world: SyncTestEnvironment) -> HipcallClient {
        HipcallClient(configuration: HipcallConfiguration(baseURL: world.simulator.baseURL, token: HipcallToken(world.token)))
    }

    static func id(_ world: SyncTestEnvironment, _ resource: HipcallResource, _ externalID: String) throws -> Int64 {
        let records = resource == .companies ? world.records.companies : world.records.contacts
        return try #require(records.first { $0.externalID == externalID }?.id)
    }

    static func record(_ world: SyncTestEnvironment, _ externalID: String) -> HipcallRecord? {
        world.records.companies.first { $0.externalID == externalID }
    }

    /// Resyncs `lines` and waits until a worker settled all of them.
    static func synced(_ world: SyncTestEnvironment, _ lines: [String]) async throws {
        let export = try Commands.write(lines)
        defer { try? FileManager.default.removeItem(at: export) }
        let resync = try await world.command(["resync", "--crm-export", export.path])
        #expect(resync.status == 0, "\(resync.stderr)")
        #expect(resync.stdout.contains("confirmed \(lines.count), returned 0, nacked 0"), "\(resync.stdout)")
        try world.startWorker()
        #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= lines.count })
    }

    @Test(.timeLimit(.minutes(3)))
    func repairConvergesAndASecondRunIsClean() async throws {
        try await withSyncEnvironment(rateLimitPerMinute: 6_000, customFieldSlugs: Commands.slugs) { world in
            let lines = Commands.exportLines()
            // ERP-120 and C-30 never reached the fleet.
            try await Self.synced(world, lines.filter { !$0.contains(#""ERP-120""#) && !$0.contains(#""C-30""#) })
            let agent = Self.agent(world)
            _ = try await agent.update(.companies, id: try Self.id(world, .companies, "ERP-2"), fields: ["name": "Renamed by an agent"])
            _ = try await agent.removePhone(.companies, id: try Self.id(world, .companies, "ERP-3"), number: "+442045200003")
            _ = try await agent.update(.contacts, id: try Self.id(world, .contacts, "C-5"), fields: ["company_id": .int(try Self.id(world, .companies, "ERP-6"))])
            _ = try await agent.update(.contacts, id: try Self.id(world, .contacts, "C-6"), fields: ["custom_fields": ["tier": "silver"]])
            try await agent.shutdown()

            let export = try Commands.write(lines)
            defer { try? FileManager.default.removeItem(at: export) }
            let settled = await world.settledEvents()
            let repair = try await Commands.reconcile(world, export: export, ["--repair"])
            #expect(repair.status == 1, "\(repair.stderr)")
            #expect(Commands.names(repair.findings) == [
                "different companies ERP-2", "different companies ERP-3", "different contacts C-5", "different contacts C-6",
                "missing companies ERP-120", "missing contacts C-30",
            ])
            #expect((repair.summary["repair"] as? [String: Any])?["confirmed"] as? Int == 6)
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= settled + 6 })

            let second = try await Commands.reconcile(world, export: export)
            #expect(second.status == 0, "\(Commands.names(second.findings)) \(second.stderr)")
            #expect(Self.record(world, "ERP-3")?.phones.map(\.number) == ["+442045200003"])
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aLiveChangeNewerThanTheScanWinsOverTheRepair() async throws {
        try await withSyncEnvironment(rateLimitPerMinute: 6_000, customFieldSlugs: Commands.slugs) { world in
            let lines = Commands.exportLines()
            try await Self.synced(world, lines)
            // A live change the export predates, made while reconcile runs: its occurred_at is later than the scan's start.
            let later = UTCTimestamp.format(milliseconds: Int64(Date().timeIntervalSince1970 * 1000) + 60_000)
            try await world.publish(
                "company.changed", SyncTestEnvironment.event(at: later, externalID: "ERP-2", data: #"{"name":"Renamed in the CRM"}"#))
            #expect(try await world.waitUntil { Self.record(world, "ERP-2")?[string: "name"] == "Renamed in the CRM" })
            // And an edit behind the fleet's back, a drift the repair fixes.
            let agent = Self.agent(world)
            _ = try await agent.update(.companies, id: try Self.id(world, .companies, "ERP-3"), fields: ["name": "Renamed by an agent"])
            try await agent.shutdown()

            let export = try Commands.write(lines)
            defer { try? FileManager.default.removeItem(at: export) }
            let settled = await world.settledEvents()
            let repair = try await Commands.reconcile(world, export: export, ["--repair"])
            #expect(Commands.names(repair.findings) == ["different companies ERP-2", "different companies ERP-3"])
            #expect(try await world.waitUntil(timeout: .seconds(60)) { await world.settledEvents() >= settled + 2 })
            #expect(Self.record(world, "ERP-2")?[string: "name"] == "Renamed in the CRM", "the repair overwrote a newer live change")
            #expect(Self.record(world, "ERP-3")?[string: "name"] == "Company 3")
        }
    }
}
