/// The order of a synthetic run, computed up front in a few bytes per event; bodies are rendered on demand.
struct SyntheticPlan: Sendable {
    /// A fresh valid event: a version of one key. Its index in ``slots`` is its time order.
    struct Slot: Sendable {
        let isContact: Bool
        let key: Int32
        let version: Int32
    }

    /// One published message.
    enum Entry: Sendable {
        case valid(slot: Int32)
        case duplicate(slot: Int32)
        case invalid(number: Int32)
    }

    let companyCount: Int
    let contactCount: Int
    /// Fresh valid events in `occurred_at` order.
    let slots: [Slot]
    /// Every message in publish order.
    let entries: [Entry]

    init(_ configuration: SyntheticConfiguration) {
        var random = SyntheticRandom(seed: configuration.seed, 0)
        contactCount = Int((Double(configuration.keys) * configuration.contactsRatio).rounded())
        companyCount = configuration.keys - contactCount
        slots = Self.slots(
            companies: companyCount, contacts: contactCount, valid: configuration.validCount, random: &random)

        var validOrder = Array(Int32(0)..<Int32(slots.count))
        if configuration.outOfOrder { validOrder.shuffle(using: &random) }
        var kinds = [UInt8](repeating: 0, count: configuration.validCount)
        kinds += [UInt8](repeating: 1, count: configuration.duplicateCount)
        kinds += [UInt8](repeating: 2, count: configuration.invalidCount)
        kinds.shuffle(using: &random)
        // A duplicate needs an earlier valid event: swap the first valid one ahead of every duplicate.
        if let firstValid = kinds.firstIndex(of: 0), let firstDuplicate = kinds.firstIndex(of: 1), firstDuplicate < firstValid {
            kinds.swapAt(firstValid, firstDuplicate)
        }
        var entries: [Entry] = []
        entries.reserveCapacity(kinds.count)
        var published = 0
        var invalid: Int32 = 0
        for kind in kinds {
            switch kind {
            case 0:
                entries.append(.valid(slot: validOrder[published]))
                published += 1
            case 1:
                entries.append(.duplicate(slot: validOrder[random.index(published)]))
            default:
                entries.append(.invalid(number: invalid))
                invalid += 1
            }
        }
        self.entries = entries
    }

    /// Spreads `valid` events over the keys in rounds: each round publishes the next version of every key
    /// that has one, companies (shuffled) before contacts (shuffled).
    private static func slots(companies: Int, contacts: Int, valid: Int, random: inout SyntheticRandom) -> [Slot] {
        let keys = companies + contacts
        let perKey = valid / keys
        let extra = valid % keys
        // Key i (companies first) gets `perKey` versions, one more when i < extra.
        func versions(_ key: Int) -> Int { perKey + (key < extra ? 1 : 0) }
        var slots: [Slot] = []
        slots.reserveCapacity(valid)
        var round = 0
        while slots.count < valid {
            var companyKeys = (0..<companies).filter { versions($0) > round }
            var contactKeys = (0..<contacts).filter { versions(companies + $0) > round }
            companyKeys.shuffle(using: &random)
            contactKeys.shuffle(using: &random)
            slots += companyKeys.map { Slot(isContact: false, key: Int32($0), version: Int32(round)) }
            slots += contactKeys.map { Slot(isContact: true, key: Int32($0), version: Int32(round)) }
            round += 1
        }
        return slots
    }
}
