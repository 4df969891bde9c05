import Foundation
import Hipcall
import Logging
import Synchronization

/// Scans a resource's list for one worker when the ``ScanPlanner`` finds it cheaper than lookups:
/// claims the scan in the journal (see ``ScanLedger`` for the election), then reads
/// `GET /<resource>?limit=100&sort=id.asc&offset=…` page after page from where the fleet's scan
/// stopped, journals each page's rows (``JournalEntry/init(observed:resource:at:)``: every worker
/// learns their ids and fingerprints) and then its progress, and says when the list ended. Every
/// call goes through the worker's ``HipcallCaller``, one at a time, inside the rate-limit budget
/// that upserts use. A failure ends the round; the next round resumes from the journaled offset.
final class ListScanner: Sendable {
    /// What one round did.
    enum Outcome: Sendable, Equatable {
        /// The resource's scan is finished (now or before).
        case finished
        /// Another worker holds the scan.
        case otherScanning
        /// Lookups are cheaper for this backlog (`counted`: a count call was spent to tell).
        case lookups(counted: Bool)
        /// The round stopped: a failed call or publish, a lost claim, or cancellation.
        case stopped
    }

    let caller: HipcallCaller
    let appender: JournalAppender
    let publisher: ReliablePublisher
    /// The journal stream that carries the rows and the scan messages.
    let stream: String
    let ledger: ScanLedger
    let planner: ScanPlanner
    let logger: Logger
    /// How many events this worker holds and has not decided yet (its share of the backlog that
    /// the queue's message count no longer shows).
    let held: @Sendable () async -> Int
    /// How long a claim waits to be read back from the journal before the round gives up.
    let claimWait: Duration
    /// How long a counted size is trusted before the count call is spent again.
    let countLifetime: Duration
    private let counts = Mutex<[SyncResource: (count: Int, at: ContinuousClock.Instant)]>([:])

    init(
        caller: HipcallCaller, appender: JournalAppender, publisher: ReliablePublisher, stream: String, ledger: ScanLedger,
        planner: ScanPlanner = ScanPlanner(), logger: Logger, held: @escaping @Sendable () async -> Int, claimWait: Duration = .seconds(10), countLifetime: Duration = .seconds(300)
    ) {
        self.caller = caller
        self.appender = appender
        self.publisher = publisher
        self.stream = stream
        self.ledger = ledger
        self.planner = planner
        self.logger = logger
        self.held = held
        self.claimWait = claimWait
        self.countLifetime = countLifetime
    }

    /// The longest keys the fleet does not know wait for one round's plan (its count call and claim).
    static let planningWait: Duration = .seconds(30)

    private var me: String { ledger.me }
    private static let page = HipcallObservations.maxPageSize

    /// One round for `resource` with `backlog` messages queued: plans, and scans to the end when
    /// the plan is a scan and this worker wins (or holds) the claim.
    func round(_ resource: SyncResource, backlog: Int) async -> Outcome {
        // However the round ends, this worker's plan of the resource is made (a claim it won is a hold of its own).
        defer { ledger.planned(resource) }
        let scan = ledger.scan(resource)
        if scan.finished { return .finished }
        if scan.holder != me {
            if let holder = scan.holder, Date.now.timeIntervalSince(scan.heardAt) <= ledger.staleAfter, holder != me {
                logger.debug("another worker scans", metadata: ["resource": "\(resource)", "holder": "\(holder)", "heard_at": "\(scan.heardAt)"])
                return .otherScanning
            }
            let countedBefore = counts.withLock { $0[resource] != nil }
            guard planner.spendsCount(backlog: backlog, countedBefore: countedBefore) else { return .lookups(counted: false) }
            ledger.planning(resource, until: .now + Self.planningWait.timeInterval)
            let (count, counted): (Int, Bool)
            do throws(SyncFailure) {
                (count, counted) = try await self.count(resource)
            } catch {
                logger.warning("could not count for a scan", metadata: ["resource": "\(resource)", "error": "\(error)"])
                return .stopped
            }
            guard planner.scans(backlog: backlog, count: count, from: scan.nextOffset) else {
                logger.debug("lookups cost less than a scan", metadata: ["resource": "\(resource)", "records": "\(count)", "backlog": "\(backlog)"])
                return .lookups(counted: counted)
            }
            guard await claim(resource, from: scan.nextOffset) else {
                logger.debug("lost the claim of a scan", metadata: ["resource": "\(resource)", "holder": "\(ledger.scan(resource).holder ?? "-")"])
                return .otherScanning
            }
            logger.notice(
                "scanning the list", metadata: ["resource": "\(resource)", "records": "\(count)", "from_offset": "\(scan.nextOffset)",
                    "backlog": "\(backlog)"])
        }
        let offset = ledger.scan(resource).nextOffset
        if let known = counts.withLock({ $0[resource]?.count }), known <= offset {
            // The count says nothing is left (an empty account): finished without a page call.
            guard await publish(ScanMessage(.finished, resource, worker: me, at: .now, offset: offset)) else { return .stopped }
            logger.notice("scanned the list", metadata: ["resource": "\(resource)", "records": "\(offset)"])
            return .finished
        }
        return await pages(resource, from: offset)
    }

    /// The resource's record count: remembered, or one `limit=1` call (then `counted` is true).
    private func count(_ resource: SyncResource) async throws(SyncFailure) -> (Int, Bool) {
        if let known = counts.withLock({ $0[resource] }), ContinuousClock.now - known.at < countLifetime { return (known.count, false) }
        let page = try await caller.listPage(resource, limit: 1, offset: 0)
        let count = Int(clamping: max(0, page?.count ?? 0))
        counts.withLock { $0[resource] = (count, .now) }
        return (count, true)
    }

    /// Claims the scan in the journal and waits to read the claim back; whether it won.
    private func claim(_ resource: SyncResource, from offset: Int) async -> Bool {
        let before = ledger.claimsRead(resource)
        guard await publish(ScanMessage(.claim, resource, worker: me, at: .now, offset: offset)) else { return false }
        let ledger = ledger
        return await withTimeout(claimWait, fallback: false) { await ledger.claimOutcome(resource, after: before) }
    }

    /// Reads pages from `offset` on while this worker holds the scan.
    private func pages(_ resource: SyncResource, from start: Int) async -> Outcome {
        var offset = start
        while !Task.isCancelled {
            guard ledger.scan(resource).holder == me else {
                logger.notice("another worker took the scan over", metadata: ["resource": "\(resource)", "offset": "\(offset)"])
                return .stopped
            }
            guard offset < ScanMessage.maxOffset else {
                // An API answering full pages forever: no worker reads progress past this bound.
                logger.error("the list did not end within the scan's bound", metadata: ["resource": "\(resource)", "offset": "\(offset)"])
                return .stopped
            }
            let sent = Date.now
            let page: HipcallPage?
            do throws(SyncFailure) {
                page = try await caller.listPage(resource, limit: Self.page, offset: offset)
            } catch {
                logger.warning("a scan page failed", metadata: ["resource": "\(resource)", "offset": "\(offset)", "error": "\(error)"])
                return .stopped
            }
            let records = page?.records ?? []
            guard await journal(records.compactMap { JournalEntry(observed: $0, resource: resource, at: sent) }) else { return .stopped }
            offset += records.count
            let ended = records.count < Self.page || page?.count.map { Int64(offset) >= $0 } == true
            let message = ScanMessage(ended ? .finished : .progress, resource, worker: me, at: .now, offset: offset)
            guard await publish(message) else { return .stopped }
            if ended {
                logger.notice("scanned the list", metadata: ["resource": "\(resource)", "records": "\(offset)"])
                return .finished
            }
        }
        return .stopped
    }

    /// Appends a page's rows to the journal together (the appender batches concurrent appends).
    private func journal(_ entries: [JournalEntry]) async -> Bool {
        let appender = appender
        do {
            try await withThrowingDiscardingTaskGroup { group in
                for entry in entries { group.addTask { try await appender.append(entry) } }
            }
            return true
        } catch {
            logger.warning("could not journal a scan page", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func publish(_ message: ScanMessage) async -> Bool {
        let (body, properties) = message.message
        do {
            _ = try await publisher.publish(exchange: "", routingKey: stream, body: body, properties: properties)
            return true
        } catch {
            logger.warning("could not journal the scan's state", metadata: ["kind": "\(message.kind)", "error": "\(error)"])
            return false
        }
    }
}
