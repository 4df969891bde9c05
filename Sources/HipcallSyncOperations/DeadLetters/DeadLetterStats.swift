import Foundation

/// What a set of dead letters failed with, at a glance: counts by failure class, by normalised
/// reason, by routing key and by age, and the oldest and newest failure.
public struct DeadLetterStats: Sendable, Equatable {
    /// How long ago a dead letter failed, in the buckets `stats` counts.
    public enum AgeBucket: String, Sendable, CaseIterable, Comparable {
        case underAnHour = "under 1h"
        case underADay = "1h to 1d"
        case underAWeek = "1d to 7d"
        case older = "over 7d"
        /// No failure time recorded.
        case unknown

        /// The bucket of a failure at `failedAt`, seen at `now`.
        init(failedAt: Date?, now: Date) {
            guard let failedAt else {
                self = .unknown
                return
            }
            let age = now.timeIntervalSince(failedAt)
            self = age < 3_600 ? .underAnHour : age < 86_400 ? .underADay : age < 7 * 86_400 ? .underAWeek : .older
        }

        public static func < (lhs: AgeBucket, rhs: AgeBucket) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The dead letters counted.
    public private(set) var total = 0
    /// By failure class (``DeadLetter/errorClass``; `none` when absent).
    public private(set) var byErrorClass: [String: Int] = [:]
    /// By `class: message` with ids, numbers and quoted values replaced (``normalisedReason(_:)``).
    public private(set) var byReason: [String: Int] = [:]
    /// By routing key (event type).
    public private(set) var byRoutingKey: [String: Int] = [:]
    /// By how long ago they failed.
    public private(set) var byAge: [AgeBucket: Int] = [:]
    /// The earliest and the latest failure time among them; nil when none has one.
    public private(set) var oldest: Date?
    public private(set) var newest: Date?

    /// Counts `letters` as seen at `now`.
    public init(_ letters: [DeadLetter], now: Date = Date()) {
        for letter in letters {
            total += 1
            byErrorClass[letter.errorClass ?? Self.none, default: 0] += 1
            byReason[Self.normalisedReason(letter), default: 0] += 1
            byRoutingKey[letter.routingKey, default: 0] += 1
            byAge[AgeBucket(failedAt: letter.failedAt, now: now), default: 0] += 1
            if let failedAt = letter.failedAt {
                oldest = min(oldest ?? failedAt, failedAt)
                newest = max(newest ?? failedAt, failedAt)
            }
        }
    }

    /// What a group without a value is named.
    public static let none = "none"

    /// The letter's reason for grouping: its class and its message with the parts that differ
    /// between otherwise equal failures replaced (``normalisedMessage(_:)``).
    static func normalisedReason(_ letter: DeadLetter) -> String {
        let message = letter.errorMessage.map(normalisedMessage)
        return [letter.errorClass, message].compactMap { $0 }.joined(separator: ": ").nonEmpty ?? none
    }

    /// `message` with quoted values (opened at a word's start) as `"…"`, and every word holding a digit as `<id>` except an
    /// HTTP status (the word after `HTTP`), cut to 200 characters: `HTTP 422: name 'Zoë' of ERP-17
    /// is invalid` and `HTTP 422: name 'Al' of ERP-9 is invalid` group together.
    static func normalisedMessage(_ message: String) -> String {
        var text = ""
        var quote: Character?
        for character in message.prefix(4_096) {
            if let open = quote {
                if character == open {
                    quote = nil
                    text += "…\(character)"
                }
            } else {
                // A quote opens a value only at a word's start: the apostrophe in "company's" does not.
                let atWordStart = text.last.map { $0 == " " || $0 == "(" || $0 == "=" || $0 == ":" } ?? true
                text.append(character)
                if atWordStart, character == "\"" || character == "'" { quote = character }
            }
        }
        if let quote { text += "…\(quote)" }
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for index in words.indices where words[index].contains(where: \.isNumber) {
            if index > 0, words[index - 1] == "HTTP" { continue }
            let punctuation = CharacterSet(charactersIn: ",;:.()[]{}")
            let core = words[index].trimmingCharacters(in: punctuation)
            words[index] = words[index].replacingOccurrences(of: core, with: "<id>")
        }
        return String(words.joined(separator: " ").prefix(200))
    }
}

extension String {
    /// Self, or nil when empty.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
