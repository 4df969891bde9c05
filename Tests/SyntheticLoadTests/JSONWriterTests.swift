import HipcallJSON
import Testing

@Suite("JSONWriter: the one JSON writer, bytes and jsonText alike")
struct JSONWriterTests {
    @Test("strings get RFC 8259's escapes: short ones for quote, backslash, newline, return and tab, \\u00xx for other controls")
    func escaping() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\nd\re\tf\u{01}g\u{1F}h/é名😀")
        #expect(writer.text == #""a\"b\\c\nd\re\tf\u0001g\u001fh/é名😀""#)
        #expect(JSONValue.string("a\"b\\c\nd\re\tf\u{01}g\u{1F}h/é名😀").jsonText == writer.text)
        var plain = JSONWriter()
        plain.string("Çağla Yılmaz")
        #expect(plain.bytes == Array(#""Çağla Yılmaz""#.utf8))
    }

    @Test("values: object keys sorted, given member order kept by object(_:), non-finite doubles as null")
    func values() {
        let value: JSONValue = ["b": [1, 2.5, true, .null], "a": "x", "c": ["z": .double(.infinity), "y": -3]]
        #expect(value.jsonText == #"{"a":"x","b":[1,2.5,true,null],"c":{"y":-3,"z":null}}"#)
        var writer = JSONWriter()
        writer.object([("z", 1), ("a", "\n")])
        #expect(writer.text == #"{"z":1,"a":"\n"}"#)
        var out = "prefix:"
        JSONValue.writeObject([("z", 1), ("a", "\n")], to: &out)
        JSONValue.writeString("\t", to: &out)
        value.write(to: &out)
        #expect(out == #"prefix:{"z":1,"a":"\n"}"\t"{"a":"x","b":[1,2.5,true,null],"c":{"y":-3,"z":null}}"#)
    }

    @Test("raw text, keys and truncation build bodies piece by piece")
    func pieces() {
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("name")
        writer.string("Acme")
        writer.raw("}")
        #expect(writer.text == #"{"name":"Acme"}"#)
        writer.truncate(to: 3)
        #expect(writer.text == #"{"n"#)
    }

    @Test("what the writer writes, the strict parser reads back as the same value")
    func roundTrip() {
        let value: JSONValue = ["s": "q\"\\\u{7F}\u{00}\u{0C}", "n": [.int(.min), .int(.max), 0.1, -1e-7], "o": [:], "a": []]
        var writer = JSONWriter()
        writer.value(value)
        #expect(StrictJSON.parse(writer.bytes) == value)
    }
}
