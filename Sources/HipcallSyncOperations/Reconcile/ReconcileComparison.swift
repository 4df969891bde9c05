import Hipcall
import HipcallJSON
import HipcallSync

/// Compares a CRM export with the records a scan read from Hipcall, record by record, by the
/// worker's rules (``FieldForms``): keys are normalised external ids; only the fields a line's
/// `data` holds are compared (the fields the CRM manages); phones and emails compare as sets; a
/// contact's `company_external_id` compares with the external id of the company its `company_id`
/// names; a contact's `custom_fields` per slug. A field a Hipcall row does not show at all is not
/// compared (``ReconcileComparison/Outcome/unverifiedFields`` counts them): a list row need not
/// carry every field (see `HipcallObservations.listRowFields`).
public enum ReconcileComparison {
    /// What the comparison found.
    public struct Outcome: Sendable {
        /// Every finding, in the report's order.
        public var findings: [ReconcileFinding] = []
        /// Managed fields of matched records that the Hipcall rows did not show, so were not compared.
        public var unverifiedFields = 0
    }

    /// The findings for `export` against Hipcall's `companies` and `contacts`.
    public static func compare(_ export: CRMExport, companies: [HipcallRecord], contacts: [HipcallRecord]) -> Outcome {
        var outcome = Outcome()
        let companyKeys = Dictionary(companies.map { ($0.id, FieldForms.externalID($0.fields["external_id"])) }, uniquingKeysWith: { a, _ in a })
        for (resource, records) in [(SyncResource.companies, companies), (.contacts, contacts)] {
            compare(export, resource: resource, records: records, companyKeys: companyKeys, into: &outcome)
        }
        outcome.findings.sort(by: ReconcileFinding.reportOrder)
        return outcome
    }

    private static func compare(
        _ export: CRMExport, resource: SyncResource, records: [HipcallRecord], companyKeys: [Int64: JSONValue],
        into outcome: inout Outcome
    ) {
        var byKey: [String: [HipcallRecord]] = [:]
        for record in records {
            guard case .string(let key) = FieldForms.externalID(record.fields["external_id"]) else {
                outcome.findings.append(ReconcileFinding(.orphan, resource, externalID: nil, hipcallID: record.id))
                continue
            }
            byKey[key, default: []].append(record)
        }
        for (key, group) in byKey {
            let sorted = group.sorted { $0.id < $1.id }
            if sorted.count > 1 {
                outcome.findings.append(
                    ReconcileFinding(.duplicate, resource, externalID: key, hipcallID: sorted[0].id, hipcallIDs: sorted.map(\.id)))
            }
            if export.byKey[SyncKey(resource: resource, externalID: key)] == nil {
                for record in sorted { outcome.findings.append(ReconcileFinding(.orphan, resource, externalID: key, hipcallID: record.id)) }
            }
        }
        for record in export.records where record.event.resource == resource {
            let event = record.event
            guard let stored = byKey[event.externalID]?.min(by: { $0.id < $1.id }) else {
                outcome.findings.append(ReconcileFinding(.missing, resource, externalID: event.externalID, hipcallID: nil))
                continue
            }
            let (differences, unverified) = differences(event, stored, companyKeys: companyKeys)
            outcome.unverifiedFields += unverified
            if !differences.isEmpty {
                outcome.findings.append(
                    ReconcileFinding(.different, resource, externalID: event.externalID, hipcallID: stored.id, fields: differences))
            }
        }
    }

    /// The managed fields of `event` that `record` does not hold, sorted by name, and how many it does not show.
    static func differences(
        _ event: SyncEvent, _ record: HipcallRecord, companyKeys: [Int64: JSONValue]
    ) -> ([ReconcileFinding.FieldDifference], Int) {
        var differences: [ReconcileFinding.FieldDifference] = []
        var unverified = 0
        for (name, wanted) in event.data where name != "external_id" {
            if name == "company_external_id", event.resource == .contacts {
                guard let stored = record.fields["company_id"] else {
                    unverified += 1
                    continue
                }
                let crm = FieldForms.externalID(wanted)
                let linked: JSONValue = stored.intValue.map { companyKeys[$0] ?? .null } ?? .null
                if crm != linked || (stored.intValue != nil && linked == .null) {
                    // A link to a company without an external id (or not in the scan) shows its Hipcall id.
                    let shown = linked == .null && stored.intValue != nil ? JSONValue.object(["company_id": stored]) : linked
                    differences.append(.init(field: name, crm: crm, hipcall: shown))
                }
            } else if FieldForms.isPerSlug(name, resource: event.resource) {
                guard let stored = record.fields[name] else {
                    unverified += 1
                    continue
                }
                let slugs = stored.objectValue ?? [:]
                for (slug, value) in wanted.objectValue ?? [:] where FieldForms.scalar(value) != FieldForms.scalar(slugs[slug]) {
                    differences.append(.init(field: "\(name).\(slug)", crm: FieldForms.scalar(value), hipcall: FieldForms.scalar(slugs[slug])))
                }
            } else {
                guard let stored = record.fields[name] else {
                    unverified += 1
                    continue
                }
                let crm = FieldForms.form(of: name, wanted)
                let hipcall = FieldForms.form(of: name, stored)
                if crm != hipcall { differences.append(.init(field: name, crm: crm, hipcall: hipcall)) }
            }
        }
        return (differences.sorted { $0.field < $1.field }, unverified)
    }
}
