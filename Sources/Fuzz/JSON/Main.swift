import FuzzHarness

/// Fuzzes JSONTarget (see its documentation); without -DFUZZING, replays the files given.
@main
enum FuzzJSON {
    static func main() {
        FuzzDriver.main(JSONTarget.self) { data, size in FuzzDriver.fuzzOne(JSONTarget.self, data, size) }
    }
}
