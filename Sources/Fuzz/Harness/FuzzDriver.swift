import CLibFuzzer
import Foundation

/// The entry of every fuzz program. Built with `-DFUZZING` (and `-sanitize=fuzzer`), it hands the
/// command line to libFuzzer; built plainly, it replays the files (or folders of files) it is given
/// and exits 1 when any input breaks a property.
package enum FuzzDriver {
    /// libFuzzer's per-input callback: a C function, so each program passes a closure naming its target.
    package typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs the program for `target`; `callback` must call ``fuzzOne(_:_:_:)`` for the same target.
    package static func main<Target: FuzzTarget>(_ target: Target.Type, callback: Callback) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        exit(replay(target, paths: Array(CommandLine.arguments.dropFirst())))
        #endif
    }

    /// Checks one input for libFuzzer; a broken property stops the run as a crash with the input saved.
    package static func fuzzOne<Target: FuzzTarget>(_ target: Target.Type, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        if let finding = Target.check(input) { fatalError(finding.description) }
        return 0
    }

    /// Replays every input file under `paths`, printing each finding; the exit status (0, or 1 on a
    /// finding or an unreadable path).
    static func replay<Target: FuzzTarget>(_ target: Target.Type, paths: [String]) -> Int32 {
        var status: Int32 = 0
        var replayed = 0
        for path in paths {
            guard let files = try? inputFiles(at: URL(fileURLWithPath: path)) else {
                FileHandle.standardError.write(Data("\(Target.name): cannot read \(path)\n".utf8))
                status = 1
                continue
            }
            for file in files {
                guard let input = try? Data(contentsOf: file) else {
                    FileHandle.standardError.write(Data("\(Target.name): cannot read \(file.path)\n".utf8))
                    status = 1
                    continue
                }
                replayed += 1
                if let finding = Target.check(Array(input)) {
                    print("\(file.path): \(finding)")
                    status = 1
                }
            }
        }
        print("\(Target.name): replayed \(replayed) inputs")
        return status
    }

    /// The file itself, or the regular files in a folder (not recursive, hidden files skipped), sorted by name.
    package static func inputFiles(at url: URL) throws -> [URL] {
        let values = try url.resourceValues(forKeys: [.isDirectoryKey])
        guard values.isDirectory == true else { return [url] }
        return try FileManager.default
            .contentsOfDirectory(at: url, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            .filter { (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}
