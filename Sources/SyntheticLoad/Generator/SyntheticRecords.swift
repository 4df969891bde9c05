import Hipcall
import HipcallJSON
import HipcallSync

/// Builds valid company and contact `data` for a key at a version: the same seed, key and version
/// always give the same record. Every version carries every managed field (null to clear), so the
/// newest event alone decides a record's final state.
struct SyntheticRecords: Sendable {
    let seed: UInt64
    /// How many companies the run has; contacts link to one of them (none when zero).
    let companyCount: Int

    private static let nouns = [
        "Logistics", "Analytics", "Foods", "Textiles", "Software", "Consulting", "Energy", "Robotics", "Telecom",
        "Media", "Holdings", "Marine", "Pharma", "Systems", "Partners", "Labs",
    ].map(SyntheticName.init)
    private static let blurbs = [
        "Regional distributor of industrial spare parts.", "Cloud software for field service teams.",
        "Family-owned food wholesaler since 1962.", "Independent consultancy for retail banks.",
        "Solar and wind farm operator.", "B2B telecom reseller with 24/7 support.",
        "Contract research for mid-size pharma.", "Freight forwarding across Europe and Anatolia.",
    ]
    private static let jobTitles = [
        "Sales Manager", "CFO", "Head of Procurement", "Account Executive", "Operations Lead", "CTO",
        "Office Manager", "Customer Success Manager", "Founder & CEO", "Purchasing Agent", "Marketing Director",
    ]

    /// The external id of company `index` (0-based): `CO-000001`, …
    static func companyExternalID(_ index: Int) -> String {
        let number = String(index + 1)
        return "CO-" + String(repeating: "0", count: max(0, 6 - number.count)) + number
    }

    /// The external id of contact `index` (0-based): a CRM number such as `7000001`, sometimes sent as a JSON integer.
    static func contactExternalID(_ index: Int) -> Int64 {
        7_000_001 + Int64(index)
    }

    /// The fixed traits of company `index`: country, display name and web slug.
    private func companyIdentity(_ index: Int) -> (country: SyntheticCountry, name: String, slug: String) {
        var random = SyntheticRandom(seed: seed, 1, UInt64(index))
        let country = random.pick(SyntheticCountry.all)
        let founder = random.pick(country.lastNames)
        let noun = random.pick(Self.nouns)
        let suffix = random.pick(country.companySuffixes)
        let slug = founder.slug + noun.slug + String(index + 1)
        return (country, "\(founder.display) \(noun.display) \(suffix)", slug)
    }

    /// The `data` of company `index` at `version`.
    func company(_ index: Int, version: Int) -> [(key: String, value: JSONValue)] {
        let identity = companyIdentity(index)
        var random = SyntheticRandom(seed: seed, 2 | UInt64(version) << 8, UInt64(index))
        let domain = identity.slug + "." + identity.country.domain
        let name = version > 0 && random.chance(0.1) ? identity.name + " Group" : identity.name
        var emails: [JSONValue] = [email("info@" + domain, order: 0)]
        if random.chance(0.5) { emails.append(email(random.pick(["sales@", "accounts@", "hello@"]) + domain, order: 1)) }
        return [
            ("name", .string(name)),
            ("website_url", version > 0 && random.chance(0.1) ? .null : .string("https://www." + domain)),
            ("custom_url", .string("https://crm.example.com/companies/" + Self.companyExternalID(index))),
            ("description", .string(random.pick(Self.blurbs) + " Revision \(version + 1).")),
            ("linkedin_url", random.chance(0.2) ? .null : .string("https://www.linkedin.com/company/" + identity.slug)),
            ("emails", .array(emails)),
            ("phones", .array(phones(random.index(2) + 1, home: identity.country, &random))),
        ]
    }

    /// The `data` of contact `index` at `version`, linked to a company by `company_external_id` when there are companies.
    func contact(_ index: Int, version: Int) -> [(key: String, value: JSONValue)] {
        var identityRandom = SyntheticRandom(seed: seed, 3, UInt64(index))
        let country = identityRandom.pick(SyntheticCountry.all)
        let first = identityRandom.pick(country.firstNames)
        let last = identityRandom.pick(country.lastNames)
        let homeCompany = companyCount > 0 ? identityRandom.index(companyCount) : nil
        var random = SyntheticRandom(seed: seed, 4 | UInt64(version) << 8, UInt64(index))
        let company = homeCompany.map { version > 0 && random.chance(0.1) ? random.index(companyCount) : $0 }
        let handle = first.slug + "." + last.slug
        var emails: [JSONValue] = []
        if let company {
            let identity = companyIdentity(company)
            emails.append(email(handle + "@" + identity.slug + "." + identity.country.domain, order: 0))
        }
        if company == nil || random.chance(0.3) {
            emails.append(email(handle + random.digits(2) + "@mail.example.com", order: emails.count))
        }
        var data: [(key: String, value: JSONValue)] = [
            ("first_name", .string(first.display)),
            ("last_name", version > 0 && random.chance(0.05) ? .null : .string(last.display)),
            ("job_title", .string(random.pick(Self.jobTitles))),
            ("custom_url", .string("https://crm.example.com/contacts/\(Self.contactExternalID(index))")),
            ("linkedin_url", .string("https://www.linkedin.com/in/\(first.slug)-\(last.slug)-\(index + 1)")),
            ("emails", .array(emails)),
            ("phones", .array(phones(random.index(3) + 1, home: country, &random))),
        ]
        if let company { data.append(("company_external_id", .string(Self.companyExternalID(company)))) }
        return data
    }

    private func email(_ address: String, order: Int) -> JSONValue {
        .object(["email": .string(address), "order": .int(Int64(order))])
    }

    /// `count` distinct phones, mostly from the home country, now and then one from abroad.
    private func phones(_ count: Int, home: SyntheticCountry, _ random: inout SyntheticRandom) -> [JSONValue] {
        var seen: Set<String> = []
        var phones: [JSONValue] = []
        while phones.count < count {
            let country = phones.isEmpty || !random.chance(0.2) ? home : random.pick(SyntheticCountry.all)
            let number = country.phoneNumber(&random)
            guard seen.insert(number).inserted else { continue }
            phones.append(.object(["country": .string(country.code), "number": .string(number), "order": .int(Int64(phones.count))]))
        }
        return phones
    }
}
