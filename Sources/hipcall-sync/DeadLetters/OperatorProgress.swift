import Foundation

/// A count of handled messages redrawn in place on stderr, such as `  1200 replayed`, at most four
/// times a second; silent when stderr is not a terminal (scripts read the summary on stdout).
struct OperatorProgress {
    /// What the count counts: `replayed`, `exported`, `imported`.
    let verb: String
    private let enabled = OperatorSession.stderrIsTerminal
    private var lastDrawn: ContinuousClock.Instant?

    init(verb: String) {
        self.verb = verb
    }

    /// Redraws the line with `count` when a quarter second has passed since the last time.
    mutating func update(_ count: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(250) { return }
        lastDrawn = now
        FileHandle.standardError.write(Data("\r  \(count) \(verb)\u{1B}[K".utf8))
    }

    /// Prints `line` above the progress line (a failure worth reading).
    func note(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)\n".utf8))
    }

    /// Draws the final count and ends the line.
    func finish(_ count: Int) {
        guard enabled, lastDrawn != nil else { return }
        FileHandle.standardError.write(Data("\r  \(count) \(verb)\u{1B}[K\n".utf8))
    }
}
