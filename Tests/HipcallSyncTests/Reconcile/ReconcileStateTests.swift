import Foundation
import Hipcall
import HipcallJSON
import HipcallSync
@testable import HipcallSyncOperations
import Testing

@Suite struct ReconcileStateTests {
    static func path() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-state-\(UUID().uuidString).ndjson").path
    }

    static let rows = (1...3).map { HipcallRecord(id: Int64($0), fields: ["external_id": .string("ERP-\($0)"), "name": "A"]) }

    @Test func aReopenedStateResumesAtItsOffsetsWithItsFirstStart() throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let start = Date(timeIntervalSince1970: 1_795_611_480)
        let state = try ReconcileState(path: path, now: start)
        try state.add(Array(Self.rows[0..<2]), count: 3, of: .companies, ended: false)
        try state.add([Self.rows[2]], count: 3, of: .companies, ended: true)
        try state.add([HipcallRecord(id: 9, fields: ["external_id": "C-1"])], count: 250, of: .contacts, ended: false)

        let resumed = try ReconcileState(path: path, now: start.addingTimeInterval(600))
        #expect(resumed.scannedAt == start)
        #expect(resumed.finished == [.companies])
        #expect(resumed.offset(.companies) == 3 && resumed.offset(.contacts) == 1)
        #expect(resumed.rows[.companies] == Self.rows)
        #expect(resumed.counts[.contacts] == 250)
    }

    @Test func aPageCutShortByACrashIsReadAgain() throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let state = try ReconcileState(path: path, now: .now)
        try state.add([Self.rows[0]], count: 3, of: .companies, ended: false)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"resource":"companies","offset":1,"rows":[{"id":2,"#.utf8))
        try handle.close()

        let resumed = try ReconcileState(path: path, now: .now)
        #expect(resumed.offset(.companies) == 1)
        try resumed.add([Self.rows[1]], count: 3, of: .companies, ended: false)
        #expect(try ReconcileState(path: path, now: .now).offset(.companies) == 2)
    }

    @Test func aFileThatIsNotAStateIsRefused() throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("name,external_id\nAcme,ERP-1\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ReconcileStateError.self) { try ReconcileState(path: path, now: .now) }
    }

    @Test func aScanOlderThanADayIsNotResumed() throws {
        let path = Self.path()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let start = Date(timeIntervalSince1970: 1_795_611_480)
        _ = try ReconcileState(path: path, now: start)
        #expect(throws: ReconcileStateError.self) { try ReconcileState(path: path, now: start.addingTimeInterval(86_401)) }
        #expect(try ReconcileState(path: path, now: start.addingTimeInterval(86_000)).scannedAt == start)
    }
}
