import Hipcall
import HipcallJSON
import NIOConcurrencyHelpers

/// What a store operation produced.
enum StoreResult: Sendable {
    /// 200 with the record.
    case found(SimulatedRecord)
    /// 201 with the new record.
    case created(SimulatedRecord)
    /// 404 `Not Found`.
    case notFound
    /// 422 with these field errors.
    case invalid([String: JSONValue])
}

/// Whether a request's token may proceed, and the rate-limit state to report.
enum Admission: Sendable {
    /// No account has this token.
    case unknownToken
    /// Go ahead; `rateLimit` is `nil` when the limit is off.
    case allowed(rateLimit: RateLimitState?)
    /// The token's budget for this window is spent.
    case limited(rateLimit: RateLimitState)
}

/// The accounts, their records and their rate-limit windows, behind one lock so every
/// uniqueness check and its insert happen atomically.
final class SimulatorStore: Sendable {
    private struct State {
        var accounts: [String: SimulatedAccount] = [:]
        var windows: [String: RateWindow] = [:]
        var ratePerMinute: Int
        var nextID: Int64 = 1
    }

    private let state: NIOLockedValueBox<State>

    init(tokens: [String], ratePerMinute: Int) {
        var initial = State(ratePerMinute: ratePerMinute)
        for token in tokens { initial.accounts[token] = SimulatedAccount() }
        state = NIOLockedValueBox(initial)
    }

    // MARK: Accounts and rate limit

    /// Checks the token and spends one request of its budget.
    func admit(token: String, now: Double) -> Admission {
        state.withLockedValue { state in
            guard state.accounts[token] != nil else { return .unknownToken }
            guard state.ratePerMinute > 0 else { return .allowed(rateLimit: nil) }
            var window = state.windows[token] ?? RateWindow(start: now)
            let outcome = window.spend(limit: state.ratePerMinute, now: now)
            state.windows[token] = window
            return outcome.allowed ? .allowed(rateLimit: outcome.state) : .limited(rateLimit: outcome.state)
        }
    }

    /// The requests allowed per token per minute (0 = no limit).
    var ratePerMinute: Int {
        get { state.withLockedValue { $0.ratePerMinute } }
        set { state.withLockedValue { $0.ratePerMinute = newValue; $0.windows = [:] } }
    }

    /// Adds an empty account for `token` if there is none; returns whether it was added.
    func addAccount(token: String) -> Bool {
        state.withLockedValue { state in
            guard state.accounts[token] == nil else { return false }
            state.accounts[token] = SimulatedAccount()
            return true
        }
    }

    /// Empties every account and rate-limit window; accounts stay.
    func reset() {
        state.withLockedValue { state in
            for token in state.accounts.keys { state.accounts[token] = SimulatedAccount() }
            state.windows = [:]
        }
    }

    /// Every record of one account, companies and contacts in creation order; `nil` for an unknown token.
    func dump(token: String) -> (companies: [SimulatedRecord], contacts: [SimulatedRecord])? {
        state.withLockedValue { state in
            guard let account = state.accounts[token] else { return nil }
            func all(_ table: RecordTable) -> [SimulatedRecord] { table.order.compactMap { table.records[$0] } }
            return (all(account.companies), all(account.contacts))
        }
    }

    // MARK: Records

    /// The record with this external id.
    func lookup(token: String, resource: HipcallResource, externalID: String) -> StoreResult {
        state.withLockedValue { state in
            let table = state.accounts[token]?.table(resource)
            guard let id = table?.byExternalID[externalID], let record = table?.records[id] else { return .notFound }
            return .found(record)
        }
    }

    /// The record with this id, if it belongs to the account.
    func get(token: String, resource: HipcallResource, id: Int64) -> StoreResult {
        state.withLockedValue { state in
            guard let record = state.accounts[token]?.table(resource).records[id] else { return .notFound }
            return .found(record)
        }
    }

    /// The page of records `query` asks for, and how many match in all.
    func list(token: String, resource: HipcallResource, query: ListQuery) -> (records: [SimulatedRecord], count: Int) {
        state.withLockedValue { state in
            guard let table = state.accounts[token]?.table(resource) else { return ([], 0) }
            return query.page(of: table)
        }
    }

    /// Creates a record from validated changes; checks the external id and company reference atomically.
    func create(token: String, resource: HipcallResource, changes: [String: JSONValue]) -> StoreResult {
        state.withLockedValue { state in
            guard var account = state.accounts[token] else { return .notFound }
            state.accounts[token] = nil  // hand the account over without copying its tables
            defer { state.accounts[token] = account }
            let errors = Self.conflicts(changes, in: account, resource: resource, recordID: nil)
            if !errors.isEmpty { return .invalid(errors) }
            var fields = ResourceSchema.defaults(resource)
            fields.merge(changes) { $1 }
            let record = SimulatedRecord(id: state.nextID, fields: fields)
            state.nextID += 1
            account.withTable(resource) { $0.insert(record) }
            return .created(record)
        }
    }

    /// Stores `fields` over the resource's defaults as they are: no validation, no uniqueness check
    /// (a taken external id keeps pointing at its first record).
    func plant(token: String, resource: HipcallResource, fields: [String: JSONValue]) -> SimulatedRecord? {
        state.withLockedValue { state in
            guard var account = state.accounts[token] else { return nil }
            state.accounts[token] = nil  // hand the account over without copying its tables
            defer { state.accounts[token] = account }
            var merged = ResourceSchema.defaults(resource)
            merged.merge(fields) { $1 }
            let record = SimulatedRecord(id: state.nextID, fields: merged)
            state.nextID += 1
            account.withTable(resource) { table in
                let owner = record.fields["external_id"]?.stringValue.flatMap { table.byExternalID[$0] }
                table.insert(record)
                if let owner, let externalID = record.fields["external_id"]?.stringValue { table.byExternalID[externalID] = owner }
            }
            return record
        }
    }

    /// Applies validated scalar changes to a record; checks the external id and company reference atomically.
    func update(token: String, resource: HipcallResource, id: Int64, changes: [String: JSONValue]) -> StoreResult {
        modify(token: token, resource: resource, id: id) { account, record in
            let errors = Self.conflicts(changes, in: account, resource: resource, recordID: id)
            if !errors.isEmpty { return errors }
            for (field, value) in changes {
                if field == "custom_fields", case .object(let slugs) = value, case .object(var current)? = record.fields[field] {
                    current.merge(slugs) { $1 }
                    record.fields[field] = .object(current)
                } else {
                    record.fields[field] = value
                }
            }
            return [:]
        }
    }

    /// Appends phones or emails (already normalised) unless one is already there or a contact would pass 6 phones.
    func addItems(token: String, resource: HipcallResource, id: Int64, field: String, items: [JSONValue]) -> StoreResult {
        let isPhones = field == "phones"
        return modify(token: token, resource: resource, id: id) { _, record in
            var current = record.fields[field]?.arrayValue ?? []
            let existing = Set(current.map { FieldValidator.identity(of: $0, isPhones: isPhones) })
            let added = items.map { FieldValidator.identity(of: $0, isPhones: isPhones) }
            if !existing.isDisjoint(with: added) || Set(added).count != added.count {
                return [field: .array([.string("has already been taken")])]
            }
            if isPhones && resource == .contacts && current.count + items.count > ResourceSchema.maxContactPhones {
                return [field: .array([.string("should have at most \(ResourceSchema.maxContactPhones) item(s)")])]
            }
            current += items
            record.fields[field] = .array(current)
            return [:]
        }
    }

    /// Removes the phone with this number or the email with this address; `notFound` if there is none.
    func removeItem(token: String, resource: HipcallResource, id: Int64, field: String, identity: String) -> StoreResult {
        let isPhones = field == "phones"
        var missing = false
        let result = modify(token: token, resource: resource, id: id) { _, record in
            var current = record.fields[field]?.arrayValue ?? []
            guard let index = current.firstIndex(where: { FieldValidator.identity(of: $0, isPhones: isPhones) == identity }) else {
                missing = true
                return [:]
            }
            current.remove(at: index)
            record.fields[field] = .array(current)
            return [:]
        }
        return missing ? .notFound : result
    }

    /// Runs `change` on a copy of the record under the lock and stores it unless it returns field errors.
    private func modify(
        token: String,
        resource: HipcallResource,
        id: Int64,
        _ change: (SimulatedAccount, inout SimulatedRecord) -> [String: JSONValue]
    ) -> StoreResult {
        state.withLockedValue { state in
            guard var account = state.accounts[token], var record = account.table(resource).records[id] else { return .notFound }
            state.accounts[token] = nil  // hand the account over without copying its tables
            defer { state.accounts[token] = account }
            let errors = change(account, &record)
            if !errors.isEmpty { return .invalid(errors) }
            account.withTable(resource) { $0.replace(record) }
            return .found(record)
        }
    }

    /// Field errors the account's other records cause: a taken external id, a company id not in the account.
    private static func conflicts(_ changes: [String: JSONValue], in account: SimulatedAccount, resource: HipcallResource, recordID: Int64?) -> [String: JSONValue] {
        var errors: [String: JSONValue] = [:]
        if account.table(resource).isTaken(changes["external_id"], byOtherThan: recordID) {
            errors["external_id"] = .array([.string("has already been taken")])
        }
        if resource == .contacts, let companyID = changes["company_id"]?.intValue, account.companies.records[companyID] == nil {
            errors["company_id"] = .array([.string("does not exist")])
        }
        return errors
    }
}
