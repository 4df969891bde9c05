import HipcallSync
import Testing

@Test func keysSortByResourceThenExternalID() {
    let a = SyncKey(resource: .companies, externalID: "b")
    let b = SyncKey(resource: .contacts, externalID: "a")
    #expect(a < b)
}
