@testable import Hipcall
import HipcallJSON
import Testing

/// The guide's race: concurrent creates of one external id yield exactly one record.
@Suite struct ConcurrencyTests {
    @Test(arguments: HipcallResource.allCases)
    func racingCreatesYieldExactlyOneRecord(resource: HipcallResource) async throws {
        try await Harness.with { h in
            let externalID = h.unique("race")
            let fields: [String: JSONValue] = [resource == .companies ? "name" : "first_name": "Racer", "external_id": .string(externalID)]
            let outcomes = await withTaskGroup(of: Result<HipcallRecord, HipcallError>.self) { group in
                for _ in 1...20 {
                    group.addTask {
                        do { return .success(try await h.client.create(resource, fields: fields).value) }
                        catch let error as HipcallError { return .failure(error) }
                        catch { return .failure(HipcallError(status: nil, route: HipcallRoute(method: "POST", template: "?"), transport: .connection("\(error)"))) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let created = outcomes.compactMap { try? $0.get() }
            let refused = outcomes.compactMap { outcome -> HipcallError? in
                if case .failure(let error) = outcome { return error }
                return nil
            }
            #expect(created.count == 1)
            #expect(refused.count == 19)
            #expect(refused.filter { !$0.isExternalIDTaken }.isEmpty)
            let found = try await h.client.record(resource, externalID: externalID).value
            #expect(found?.id == created.first?.id)
            if let sim = h.simulator?.simulator {
                let records = try #require(sim.records(token: h.token))
                #expect((resource == .companies ? records.companies : records.contacts).filter { $0.externalID == externalID }.count == 1)
            }
        }
    }
}
