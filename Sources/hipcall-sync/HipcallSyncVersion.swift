/// The program's version, printed by `--version`.
enum HipcallSyncVersion {
    static let current = "0.1.0"
}
