import FuzzHarness

/// Fuzzes HeadersTarget (see its documentation); without -DFUZZING, replays the files given.
@main
enum FuzzHeaders {
    static func main() {
        FuzzDriver.main(HeadersTarget.self) { data, size in FuzzDriver.fuzzOne(HeadersTarget.self, data, size) }
    }
}
