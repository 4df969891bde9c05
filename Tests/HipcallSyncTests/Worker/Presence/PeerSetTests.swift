import Testing
@testable import HipcallSync

/// Counting the workers that share the API budget from their heartbeats.
@Suite struct PeerSetTests {
    @Test func onlyRecentActivePeersShareTheBudget() {
        let peers = PeerSet(me: "me")
        peers.heard("busy", active: true)
        peers.heard("idle", active: false)
        peers.heard("older-version")  // a heartbeat without the flag counts as active
        let now = ContinuousClock.now
        #expect(peers.apiShare(at: now, window: .seconds(5)) == 3)
        // Every one of them is alive, busy or not.
        #expect(peers.count(at: now, window: .seconds(5)) == 4)
        // Silent for longer than the window: none of them counts.
        #expect(peers.apiShare(at: now + .seconds(6), window: .seconds(5)) == 1)
    }

    @Test func aPeerBecomingIdleOrForgottenLeavesTheShare() {
        let peers = PeerSet(me: "me")
        peers.heard("a", active: true)
        peers.heard("b", active: true)
        #expect(peers.apiShare(at: .now, window: .seconds(5)) == 3)
        peers.heard("a", active: false)
        peers.forget("b")
        #expect(peers.apiShare(at: .now, window: .seconds(5)) == 1)
        // A probe without the flag keeps what the last heartbeat said.
        peers.heard("a")
        #expect(peers.apiShare(at: .now, window: .seconds(5)) == 1)
    }

    @Test func myOwnHeartbeatIsNotCountedTwice() {
        let peers = PeerSet(me: "me")
        peers.heard("me", active: true)
        #expect(peers.apiShare(at: .now, window: .seconds(5)) == 1)
        #expect(peers.count(at: .now, window: .seconds(5)) == 1)
    }
}
