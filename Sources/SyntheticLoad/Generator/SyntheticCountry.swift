import HipcallSync
/// One country's flavour for synthetic records: people's names, company suffixes, web domains and
/// E.164 phone numbering (country code and realistic national number shapes).
struct SyntheticCountry: Sendable {
    /// ISO 3166-1 alpha-2 code, as Hipcall's phone `country`.
    let code: String
    let firstNames: [SyntheticName]
    let lastNames: [SyntheticName]
    let companySuffixes: [String]
    /// Top-level domain for company websites, such as `co.uk`.
    let domain: String
    /// Number shapes after the `+`: country code and fixed leading digits (area code or mobile range, and a
    /// first subscriber digit where a plan forbids some), then how many random digits follow.
    let numberShapes: [(prefix: String, digits: Int)]

    /// A random E.164 number of this country, such as `+442079460123`.
    func phoneNumber(_ random: inout SyntheticRandom) -> String {
        let shape = random.pick(numberShapes)
        return "+" + shape.prefix + random.digits(shape.digits)
    }

    static let all: [SyntheticCountry] = [
        SyntheticCountry(
            code: "GB", firstNames: names("Oliver Amelia George Isla Harry Ava Jack Emily Charlotte Thomas Sophie James"),
            lastNames: names("Smith Jones Taylor Brown Williams Wilson Evans Davies Hughes Walker Wright Clarke"),
            companySuffixes: ["Ltd", "plc", "LLP"], domain: "co.uk",
            numberShapes: [("44207", 7), ("44203", 7), ("44161", 7), ("44131", 7), ("4477", 8), ("4478", 8), ("4479", 8)]),
        SyntheticCountry(
            code: "US", firstNames: names("Liam Olivia Noah Emma Mason Ava Ethan Harper Logan Madison Lucas Abigail"),
            lastNames: names("Johnson Miller Davis Garcia Rodriguez Martinez Anderson Thomas Moore Jackson Lee Harris"),
            companySuffixes: ["Inc.", "LLC", "Corp."], domain: "com",
            numberShapes: [("12125", 6), ("14153", 6), ("13127", 6), ("16174", 6), ("12068", 6), ("15124", 6)]),
        SyntheticCountry(
            code: "TR", firstNames: names("Çağla Mehmet Ayşe Mustafa Zeynep Emre Elif Burak Şule Oğuz İrem Gökhan"),
            lastNames: names("Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın Özdemir Arslan Doğan Koç"),
            companySuffixes: ["A.Ş.", "Ltd. Şti."], domain: "com.tr",
            numberShapes: [("90212", 7), ("90216", 7), ("90312", 7), ("90232", 7), ("9053", 8), ("9054", 8), ("9055", 8)]),
        SyntheticCountry(
            code: "DE", firstNames: names("Lukas Mia Jonas Hannah Leon Lea Felix Emma Maximilian Jürgen Sören Käthe"),
            lastNames: names("Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Köhler Groß"),
            companySuffixes: ["GmbH", "AG", "KG"], domain: "de",
            numberShapes: [("4930", 8), ("4989", 8), ("4940", 8), ("4915", 9), ("4917", 8)]),
        SyntheticCountry(
            code: "FR", firstNames: names("Léa Hugo Chloé Louis Manon Gabriel Inès Raphaël Camille Arthur Zoé Jules"),
            lastNames: names("Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Lefèvre Girard"),
            companySuffixes: ["SAS", "SARL", "SA"], domain: "fr",
            numberShapes: [("331", 8), ("334", 8), ("336", 8), ("337", 8)]),
        SyntheticCountry(
            code: "NL", firstNames: names("Daan Sanne Sem Julia Finn Tess Lars Fleur Bram Noor Thijs Anouk"),
            lastNames: names("de Jong Jansen de Vries van Dijk Bakker Visser Smit Meijer de Boer Mulder Bos Vos"),
            companySuffixes: ["B.V.", "N.V."], domain: "nl",
            numberShapes: [("3120", 7), ("3110", 7), ("316", 8)]),
    ]

    /// Names separated by spaces; a lowercase word (`de`, `van`) joins the next one, as in `de Jong`.
    private static func names(_ list: String) -> [SyntheticName] {
        var result: [String] = []
        var particle = ""
        for word in list.split(separator: " ") {
            if word.first!.isLowercase {
                particle += word + " "
            } else {
                result.append(particle + word)
                particle = ""
            }
        }
        return result.map(SyntheticName.init)
    }
}

/// A display name and its ASCII slug for emails, domains and URLs (`Çağla` → `cagla`, `de Jong` → `dejong`).
struct SyntheticName: Sendable {
    let display: String
    let slug: String

    init(_ display: String) {
        self.display = display
        self.slug = Self.slug(display)
    }

    private static let folds: [Character: String] = [
        "ç": "c", "ğ": "g", "ı": "i", "i̇": "i", "ö": "o", "ş": "s", "ü": "u", "ä": "ae", "ß": "ss", "é": "e",
        "è": "e", "ë": "e", "ê": "e", "à": "a", "â": "a", "ï": "i", "î": "i", "ô": "o", "û": "u",
    ]

    /// Lowercase ASCII letters and digits only, with common Latin accents folded.
    static func slug(_ text: String) -> String {
        var slug = ""
        for character in text.lowercased() {
            if let folded = folds[character] {
                slug += folded
            } else if character.isASCII, character.isLetter || character.isNumber {
                slug.append(character)
            }
        }
        return slug
    }
}
