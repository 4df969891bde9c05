import Foundation
import Hipcall
import HipcallJSON

/// A compact, process-independent summary of a Hipcall record's managed fields as the fleet last
/// wrote or read them: per field (and per slug of a contact's `custom_fields`), a hash of its form
/// under ``FieldForms`` (the rules ``UpsertPlan`` compares by). An event whose forms all match costs
/// no call; one that differs PATCHes only the scalar fields that differ.
///
/// - Each entry packs 24 bits of the FNV-1a 64 hash of the field's path with 40 bits of the hash of
///   its form, 8 bytes a field, sorted; a typical contact takes about 100 bytes. Two paths of one
///   record that share a path hash are both left out (unknown); two different forms sharing a value
///   hash (about one in 10^12) would make a change look like none.
/// - A field the fingerprint does not hold (never seen, or a list-scan row that did not show it) is
///   *unknown*, never equal: the event's value is sent. Phones and emails that differ or are unknown
///   need the stored spellings to DELETE, which the fingerprint does not keep: the record is then read
///   by id and diffed as a lookup would be.
/// - `observedAt` is when the fleet knew Hipcall held this state (a read: when it was requested; a
///   write: when it was answered). A fingerprint from the journal replaces a worker's own only when it
///   is not older (see ``IDCache``).
/// - What it cannot see: an edit made in Hipcall's own interface (or by any other client, or a
///   deletion) after the fleet last wrote or read the record, nor a change another worker applied but
///   could not append to the journal. An event equal to the fingerprint then costs no call and leaves
///   that edit in place; `reconcile` reads the records, and its repair events (``SyncHeaders/repair``)
///   are written past the fingerprint. A
///   change still reaches Hipcall: what differs is sent, and a PATCH answered 404 forgets the id.
struct RecordFingerprint: Sendable, Equatable {
    /// Packed `(path hash << 40) | form hash` entries, sorted, with distinct paths.
    private(set) var entries: [UInt64]
    /// When Hipcall was known to hold this state.
    var observedAt: Date

    /// What a fingerprint knows of one field compared with a desired form.
    enum Match: Equatable {
        case same
        case differs
        case unknown
    }

    static let pathBits: UInt64 = 24
    static let formBits: UInt64 = 64 - pathBits
    private static let formMask: UInt64 = (1 << formBits) - 1
    /// The most entries one fingerprint holds (a journal row is bounded by it; fields past it are unknown).
    static let maxEntries = 256

    /// A fingerprint from already packed `entries`; nil when they are not sorted with distinct paths or too many.
    init?(packed entries: [UInt64], observedAt: Date) {
        guard entries.count <= Self.maxEntries,
            zip(entries, entries.dropFirst()).allSatisfy({ Self.path(of: $0) < Self.path(of: $1) })
        else { return nil }
        self.entries = entries
        self.observedAt = observedAt
    }

    /// The fingerprint of `fields` (a record's members, or an event's managed fields): every field
    /// present, a contact's `custom_fields` per slug present. Fields not in `fields` stay unknown.
    init(fields: [String: JSONValue], resource: SyncResource, observedAt: Date) {
        var forms: [(path: UInt64, form: UInt64)] = []
        for (name, value) in fields {
            if FieldForms.isPerSlug(name, resource: resource) {
                for (slug, member) in value.objectValue ?? [:] {
                    forms.append((Self.pathHash(name, slug: slug), Self.formHash(FieldForms.scalar(member))))
                }
            } else {
                forms.append((Self.pathHash(name), Self.formHash(FieldForms.form(of: name, value))))
            }
        }
        let grouped = Dictionary(grouping: forms, by: \.path)
        let packed = grouped.compactMap { path, forms in forms.count == 1 ? (path << Self.formBits) | forms[0].form : nil }
        entries = Array(packed.sorted().prefix(Self.maxEntries))
        self.observedAt = observedAt
    }

    /// The fingerprint of a record as Hipcall returned it (a write's answer, a lookup, a read by id).
    init(record: HipcallRecord, resource: SyncResource, observedAt: Date) {
        self.init(fields: record.fields, resource: resource, observedAt: observedAt)
    }

    /// How field `name` (or slug `slug` of it) compares with the desired `form`.
    func match(_ name: String, slug: String? = nil, form: JSONValue) -> Match {
        let path = Self.pathHash(name, slug: slug)
        guard let entry = entry(at: path) else { return .unknown }
        return entry & Self.formMask == Self.formHash(form) ? .same : .differs
    }

    /// This fingerprint with `newer`'s entries replacing its own for the same fields (an applied
    /// write replaces the fields it wrote), observed at the later of the two times.
    func overlaid(with newer: RecordFingerprint) -> RecordFingerprint {
        var byPath = Dictionary(entries.map { (Self.path(of: $0), $0) }, uniquingKeysWith: { $1 })
        for entry in newer.entries { byPath[Self.path(of: entry)] = entry }
        var merged = self
        merged.entries = Array(byPath.values.sorted().prefix(Self.maxEntries))
        merged.observedAt = max(observedAt, newer.observedAt)
        return merged
    }

    private func entry(at path: UInt64) -> UInt64? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = Self.path(of: entries[middle])
            if candidate == path { return entries[middle] }
            if candidate < path { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    private static func path(of entry: UInt64) -> UInt64 {
        entry >> formBits
    }

    /// The 24-bit hash of a field's path. A slug's path starts with a byte no field name has (0xFF
    /// is never in UTF-8), so no top-level name can spell a slug's path.
    private static func pathHash(_ name: String, slug: String? = nil) -> UInt64 {
        var hash = FNV1a()
        hash.add(text: name)
        if let slug {
            hash.add(0xFF)
            hash.add(text: slug)
        }
        return hash.value >> formBits
    }

    private static func formHash(_ form: JSONValue) -> UInt64 {
        var hash = FNV1a()
        hash.add(json: form)
        return hash.value & formMask
    }
}
