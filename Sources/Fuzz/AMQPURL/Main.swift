import FuzzHarness

/// Fuzzes AMQPURLTarget (see its documentation); without -DFUZZING, replays the files given.
@main
enum FuzzAMQPURL {
    static func main() {
        FuzzDriver.main(AMQPURLTarget.self) { data, size in FuzzDriver.fuzzOne(AMQPURLTarget.self, data, size) }
    }
}
