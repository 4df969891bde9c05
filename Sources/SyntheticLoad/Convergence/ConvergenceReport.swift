import HipcallJSON
import HipcallSync

/// How Hipcall's records compare with an expected state: the keys whose record is missing, the
/// records no expected key names, the records whose managed fields differ (with those fields), and
/// the keys that have more than one record.
public struct ConvergenceReport: Sendable, Equatable {
    /// One record whose managed fields differ from the expected state.
    public struct Difference: Sendable, Equatable {
        public var key: SyncKey
        /// The expected state's field names that differ, sorted.
        public var fields: [String]
    }

    /// Keys with an expected state.
    public var expected = 0
    /// Intentionally invalid events the expected state counts (they must be dead letters, not records).
    public var invalid = 0
    /// Expected keys without a record.
    public var lost: [SyncKey] = []
    /// Records whose external id no expected key names (or that have none).
    public var unexpected: [SyncKey] = []
    /// Records that differ in a managed field.
    public var differing: [Difference] = []
    /// Keys with more than one record, and how many records each has.
    public var duplicates: [SyncKey: Int] = [:]

    /// Whether every expected key has exactly one record, equal in every managed field, and no other record exists.
    public var converged: Bool { lost.isEmpty && unexpected.isEmpty && differing.isEmpty && duplicates.isEmpty }

    /// One line per problem, such as `companies/CO-000001: phones differ`.
    public var problems: [String] {
        lost.map { "\($0): missing" } + unexpected.map { "\($0): unexpected record" }
            + duplicates.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) records" }
            + differing.map { "\($0.key): \($0.fields.joined(separator: ",")) differ" }
    }

    /// The report as JSON: counts, and every problem by key.
    public var json: JSONValue {
        func keyJSON(_ key: SyncKey) -> JSONValue {
            ["resource": .string(key.resource.rawValue), "external_id": .string(key.externalID)]
        }
        return .object([
            "converged": .bool(converged), "expected": .int(Int64(expected)), "invalid": .int(Int64(invalid)),
            "lost": .array(lost.map(keyJSON)), "unexpected": .array(unexpected.map(keyJSON)),
            "differing": .array(differing.map { difference in
                var object = keyJSON(difference.key).objectValue ?? [:]
                object["fields"] = .array(difference.fields.map(JSONValue.string))
                return .object(object)
            }),
            "duplicates": .array(duplicates.sorted { $0.key < $1.key }.map { key, count in
                var object = keyJSON(key).objectValue ?? [:]
                object["records"] = .int(Int64(count))
                return .object(object)
            }),
            "problems": .array(problems.map(JSONValue.string)),
        ])
    }
}
