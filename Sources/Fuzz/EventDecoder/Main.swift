import FuzzHarness

/// Fuzzes EventDecoderTarget (see its documentation); without -DFUZZING, replays the files given.
@main
enum FuzzEventDecoder {
    static func main() {
        FuzzDriver.main(EventDecoderTarget.self) { data, size in FuzzDriver.fuzzOne(EventDecoderTarget.self, data, size) }
    }
}
