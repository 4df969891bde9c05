import Foundation
import Hipcall
import HipcallJSON
import HipcallSync

/// The one convergence check: compares an expected state with the Hipcall records read back,
/// by the rules the worker applies (``UpsertPlan``):
/// - only the fields the expected state names are compared (the managed fields);
/// - text compares `""` and `null` as equal;
/// - external ids are normalised (trimmed, integers as strings) before keys are matched;
/// - phones compare as sets of trimmed numbers, emails as sets of trimmed, lowercased addresses;
/// - `custom_fields` compares only the slugs expected;
/// - a contact's `company_external_id` matches when its `company_id` is the id of that company's record.
public enum ConvergenceCheck {
    /// The report for `expected` against the `companies` and `contacts` records.
    public static func compare(_ expected: ExpectedState, companies: [HipcallRecord], contacts: [HipcallRecord]) -> ConvergenceReport {
        var report = ConvergenceReport()
        report.expected = expected.keys.count
        report.invalid = expected.invalid
        let companyRecords = grouped(companies, .companies, into: &report, expected: expected)
        let contactRecords = grouped(contacts, .contacts, into: &report, expected: expected)
        let companyIDs = companyRecords.mapValues { $0[0].id }
        for key in expected.keys {
            guard let data = expected.data(for: key) else { continue }
            guard let record = (key.resource == .companies ? companyRecords : contactRecords)[key.externalID]?.first else {
                report.lost.append(key)
                continue
            }
            let fields = differingFields(data, record: record, companyIDs: companyIDs)
            if !fields.isEmpty { report.differing.append(.init(key: key, fields: fields)) }
        }
        report.unexpected.sort()
        return report
    }

    /// Records by normalised external id; records of no expected key are noted as unexpected and
    /// keys with several records as duplicates.
    private static func grouped(
        _ records: [HipcallRecord], _ resource: SyncResource, into report: inout ConvergenceReport, expected: ExpectedState
    ) -> [String: [HipcallRecord]] {
        var byKey: [String: [HipcallRecord]] = [:]
        for record in records {
            let externalID = normalisedExternalID(record.fields["external_id"]) ?? ""
            byKey[externalID, default: []].append(record)
        }
        for (externalID, group) in byKey {
            let key = SyncKey(resource: resource, externalID: externalID)
            if expected.data(for: key) == nil {
                report.unexpected += Array(repeating: key, count: group.count)
            } else if group.count > 1 {
                report.duplicates[key] = group.count
            }
        }
        return byKey
    }

    /// The expected fields the record does not match, sorted.
    static func differingFields(_ data: [String: JSONValue], record: HipcallRecord, companyIDs: [String: Int64]) -> [String] {
        var fields: [String] = []
        for (name, wanted) in data {
            let matches: Bool
            switch name {
            case "phones": matches = identities(wanted, "number", phoneIdentity) == identities(record.fields[name], "number", phoneIdentity)
            case "emails": matches = identities(wanted, "email", emailIdentity) == identities(record.fields[name], "email", emailIdentity)
            case "company_external_id":
                let company = normalisedExternalID(wanted)
                let stored = record.fields["company_id"]?.intValue
                matches = company.map { companyIDs[$0] != nil && companyIDs[$0] == stored } ?? (stored == nil)
            case "external_id":
                matches = normalisedExternalID(wanted) == normalisedExternalID(record.fields[name])
            case "custom_fields":
                let stored = record.fields[name]?.objectValue ?? [:]
                matches = (wanted.objectValue ?? [:]).allSatisfy { sameScalar($0.value, stored[$0.key] ?? .null) }
            default: matches = sameScalar(wanted, record.fields[name] ?? .null)
            }
            if !matches { fields.append(name) }
        }
        return fields.sorted()
    }

    /// An external id as Hipcall stores it (a string or integer, trimmed), nil for anything else or an empty one.
    static func normalisedExternalID(_ value: JSONValue?) -> String? {
        let raw: String
        switch value {
        case .string(let text)?: raw = text
        case .int(let number)?: raw = String(number)
        default: return nil
        }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Scalar equality where `""` equals `null`.
    private static func sameScalar(_ a: JSONValue, _ b: JSONValue) -> Bool {
        func cleared(_ value: JSONValue) -> JSONValue { value == .string("") ? .null : value }
        return cleared(a) == cleared(b)
    }

    /// The set of identities of a phone or email list (`null` or absent: empty).
    private static func identities(_ list: JSONValue?, _ member: String, _ identity: (String) -> String) -> Set<String> {
        Set((list?.arrayValue ?? []).compactMap { $0.objectValue?[member]?.stringValue.map(identity) })
    }

    private static func phoneIdentity(_ number: String) -> String { number.trimmingCharacters(in: .whitespaces) }
    private static func emailIdentity(_ email: String) -> String { email.trimmingCharacters(in: .whitespaces).lowercased() }
}
