import Testing
@testable import hipcall_sync

@Suite("SettingParser")
struct SettingParserTests {
    let linger = SettingName(flag: "--linger", variable: "WORKER_LINGER")
    let prefetch = SettingName(flag: "--prefetch", variable: "WORKER_PREFETCH")

    /// The refusal of `parse`, which must throw.
    func refusal<Value>(_ parse: () throws(SettingError) -> Value) -> SettingError? {
        do {
            _ = try parse()
            return nil
        } catch {
            return error
        }
    }

    @Test("durations take ms, s, m, h, d or bare seconds, to the microsecond")
    func durations() throws {
        let range: ClosedRange<Duration> = .zero ... .seconds(86_400 * 7)
        #expect(try SettingParser.duration("100ms", linger, in: range) == .milliseconds(100))
        #expect(try SettingParser.duration(" 5s ", linger, in: range) == .seconds(5))
        #expect(try SettingParser.duration("2m", linger, in: range) == .seconds(120))
        #expect(try SettingParser.duration("1.5h", linger, in: range) == .seconds(5400))
        #expect(try SettingParser.duration("1d", linger, in: range) == .seconds(86_400))
        #expect(try SettingParser.duration("0.25", linger, in: range) == .milliseconds(250))
        #expect(try SettingParser.duration("0.5ms", linger, in: range) == .microseconds(500))
        #expect(try SettingParser.duration("0", linger, in: range) == .zero)
    }

    @Test(
        "a duration that is not finite, not decimal, negative or out of range is refused naming the setting",
        arguments: ["inf", "nan", "1e300", "1e300s", "-1s", "61s", "2m", "0x10", "5 s", "", "s", "1.2.3s", "ms", "+inf", String(repeating: "9", count: 400)])
    func hostileDurations(text: String) throws {
        let error = try #require(refusal { () throws(SettingError) in try SettingParser.duration(text, linger, in: .zero ... .seconds(60)) })
        #expect(error.description.hasPrefix("--linger / WORKER_LINGER: '"), "\(error)")
        #expect(error.description.contains("between 0ms and 1m"), "\(error)")
    }

    @Test("a lower bound above zero refuses zero")
    func lowerBound() {
        #expect(refusal { () throws(SettingError) in try SettingParser.duration("0s", linger, in: .milliseconds(100) ... .seconds(60)) } != nil)
        #expect(refusal { () throws(SettingError) in try SettingParser.duration("99ms", linger, in: .milliseconds(100) ... .seconds(60)) } != nil)
    }

    @Test("whole numbers are range-checked before conversion")
    func integers() throws {
        #expect(try SettingParser.integer("512", prefetch, in: 1...65535) == 512)
        #expect(try SettingParser.integer(65535, prefetch, in: 1...65535) == 65535)
        for text in ["0", "-1", "70000", "99999999999999999999999", "1.5", "abc", "", "1e3", "0x10", "٣"] {
            let error = try #require(refusal { () throws(SettingError) in try SettingParser.integer(text, prefetch, in: 1...65535) }, "\(text)")
            #expect(error.description == "--prefetch / WORKER_PREFETCH: '\(text)' is not a whole number between 1 and 65535")
        }
        #expect(refusal { () throws(SettingError) in try SettingParser.integer(Int.max, prefetch, in: 1...65535) } != nil)
        #expect(refusal { () throws(SettingError) in try SettingParser.integer(Int.min, prefetch, in: 1...65535) } != nil)
    }

    @Test("numbers must be finite decimals in range")
    func numbers() throws {
        let rate = SettingName(flag: "--error-rate")
        #expect(try SettingParser.number("0.25", rate, in: 0...1) == 0.25)
        #expect(try SettingParser.number(".5", rate, in: 0...1) == 0.5)
        for text in ["inf", "nan", "1e-3", "2", "-0.1", "", "."] {
            #expect(refusal { () throws(SettingError) in try SettingParser.number(text, rate, in: 0...1) } != nil, "\(text)")
        }
        for value in [Double.infinity, -.infinity, .nan, 1.5, -1] {
            #expect(refusal { () throws(SettingError) in try SettingParser.number(value, rate, in: 0...1) } != nil, "\(value)")
        }
        let error = try #require(refusal { () throws(SettingError) in try SettingParser.number(Double.infinity, SettingName(flag: "--stall-seconds"), in: 0...3600) })
        #expect(error.description == "--stall-seconds: 'inf' is not a number between 0 and 3600")
    }

    @Test("duration lists check their count and every step")
    func durationLists() throws {
        let steps = SettingName(flag: "--retry-steps", variable: "RETRY_STEPS")
        let each: ClosedRange<Duration> = .milliseconds(1) ... .seconds(86_400)
        #expect(try SettingParser.durations("1s,5s,30s,2m", steps, each: each, count: 1...20) == [.seconds(1), .seconds(5), .seconds(30), .seconds(120)])
        for text in ["", "1s,,2s", "1s,0s", "1s,2d", "1s,inf", Array(repeating: "1s", count: 21).joined(separator: ",")] {
            let error = try #require(refusal { () throws(SettingError) in try SettingParser.durations(text, steps, each: each, count: 1...20) }, "\(text)")
            #expect(error.description.hasPrefix("--retry-steps / RETRY_STEPS: "))
        }
    }

    @Test("names are 1 to maxBytes bytes of UTF-8 without control characters")
    func names() throws {
        let prefix = SettingName(flag: "--queue-prefix", variable: "QUEUE_PREFIX")
        #expect(try SettingParser.name("hipcall-sync", prefix, maxBytes: 200) == "hipcall-sync")
        for text in ["", String(repeating: "é", count: 101), "a\nb", "tab\there"] {
            #expect(refusal { () throws(SettingError) in try SettingParser.name(text, prefix, maxBytes: 200) } != nil, "\(text)")
        }
    }

    @Test("choices name the accepted values")
    func choices() throws {
        let level = SettingName(flag: "--log-level", variable: "LOG_LEVEL")
        #expect(try SettingParser.choice("debug", level, among: ["debug", "info"]) == "debug")
        let error = try #require(refusal { () throws(SettingError) in try SettingParser.choice("loud", level, among: ["debug", "info"]) })
        #expect(error.description == "--log-level / LOG_LEVEL: 'loud' is not one of debug, info")
    }

    @Test("a message shows at most 60 characters of the value and escapes control characters")
    func shownValue() {
        let long = SettingError(linger, value: String(repeating: "x", count: 500), reason: "is bad")
        #expect(long.description == "--linger / WORKER_LINGER: '\(String(repeating: "x", count: 60))…' is bad")
        let control = SettingError(linger, value: "1s\u{1b}[2J", reason: "is bad")
        #expect(control.description == "--linger / WORKER_LINGER: '1s\\u{1b}[2J' is bad")
    }

    @Test("bounds are written as settings write them")
    func formats() {
        #expect(SettingParser.format(Duration.zero) == "0ms")
        #expect(SettingParser.format(Duration.milliseconds(250)) == "250ms")
        #expect(SettingParser.format(Duration.seconds(90)) == "90s")
        #expect(SettingParser.format(Duration.seconds(3600)) == "1h")
        #expect(SettingParser.format(Duration.seconds(86_400 * 3)) == "3d")
        #expect(SettingParser.format(0.001) == "0.001")
        #expect(SettingParser.format(1_000_000) == "1000000")
    }
}
