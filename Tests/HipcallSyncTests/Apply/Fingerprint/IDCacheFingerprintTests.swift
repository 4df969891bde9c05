import Foundation
import Testing
@testable import HipcallSync

@Suite struct IDCacheFingerprintTests {
    private let key = SyncKey(resource: .companies, externalID: "ERP-1")

    private func print(_ name: String, at seconds: TimeInterval) -> RecordFingerprint {
        RecordFingerprint(fields: ["name": .string(name)], resource: .companies, observedAt: Date(timeIntervalSince1970: seconds))
    }

    @Test func theJournalReplacesAFingerprintOnlyWhenNotOlder() {
        let cache = IDCache()
        cache.set(key, 1, fingerprint: print("new", at: 200))
        cache.offer(key, 1, fingerprint: print("old", at: 100))
        #expect(cache.known(key)?.fingerprint == print("new", at: 200))
        cache.offer(key, 1, fingerprint: print("newer", at: 200))
        #expect(cache.known(key)?.fingerprint == print("newer", at: 200))
        // A different id: the old fingerprint described another record.
        cache.offer(key, 2, fingerprint: print("other", at: 50))
        #expect(cache.known(key) == IDCache.Known(id: 2, fingerprint: print("other", at: 50), since: Date(timeIntervalSince1970: 50)))
        // A journal entry that says nothing of the fields (an earlier version applied a change).
        cache.offer(key, 2, fingerprint: nil)
        #expect(cache.known(key)?.fingerprint == nil)
        #expect(cache.get(key) == 2)
    }

    @Test func aForgottenFingerprintRefusesOlderJournalEntries() {
        let cache = IDCache()
        cache.set(key, 1, fingerprint: print("a", at: 100))
        cache.forgetFingerprint(key)
        #expect(cache.known(key)?.fingerprint == nil)
        #expect(cache.get(key) == 1)
        cache.offer(key, 1, fingerprint: print("a", at: 100))
        #expect(cache.known(key)?.fingerprint == nil)
        let later = RecordFingerprint(fields: ["name": "b"], resource: .companies, observedAt: Date().addingTimeInterval(60))
        cache.offer(key, 1, fingerprint: later)
        #expect(cache.known(key)?.fingerprint == later)
    }

    @Test func settingTheSameIDKeepsTheFingerprintAndAnotherDropsIt() {
        let cache = IDCache()
        cache.set(key, 1, fingerprint: print("a", at: 100))
        cache.set(key, 1)
        #expect(cache.known(key)?.fingerprint == print("a", at: 100))
        cache.set(key, 3)
        #expect(cache.known(key)?.fingerprint == nil)
        cache.remove(key)
        #expect(cache.known(key) == nil)
    }
}
