/// Commands other branches are adding and this binary may not have yet (`publish`, `dead-letters`,
/// `topology`), described by the flags their issue specifies. A file may use them before they are
/// merged; the moment the built binary has the top-level command, `ProgramHelp.resolve` checks the
/// files against the binary's own help instead and this table is ignored for it.
///
/// The shared options come from `BrokerOptions` and `TopologyOptions`; `PendingSpecTests` checks
/// that the worker, which has them today, names exactly these flags and variables.
enum PendingCommands {
    static let sharedFlags: Set<String> = ["--amqp-url", "--events-exchange", "--queue-prefix", "--synced-exchange", "--retry-steps", "--partitions"]
    static let sharedEnvironment: Set<String> = ["AMQP_URL", "EVENTS_EXCHANGE", "QUEUE_PREFIX", "SYNCED_EXCHANGE", "RETRY_STEPS", "PARTITIONS"]

    /// Path → (own flags, subcommands).
    static let specs: [[String]: (flags: Set<String>, subcommands: Set<String>)] = [
        ["publish"]: (
            [
                "--count", "--rate", "--keys", "--contacts-ratio", "--updates-per-key", "--duplicate-ratio", "--out-of-order",
                "--invalid-ratio", "--seed", "--file", "--routing-key", "--expect-file", "--json", "--no-declare",
            ], []
        ),
        ["dead-letters"]: ([], ["list", "show", "replay", "purge"]),
        ["dead-letters", "list"]: ([], []),
        ["dead-letters", "show"]: ([], []),
        ["dead-letters", "replay"]: (["--dry-run"], []),
        ["dead-letters", "purge"]: ([], []),
        ["topology"]: ([], ["declare", "verify"]),
        ["topology", "declare"]: ([], []),
        ["topology", "verify"]: ([], []),
    ]

    static func help(_ path: [String]) -> CommandHelp? {
        guard let spec = specs[path] else { return nil }
        let leaf = spec.subcommands.isEmpty
        return CommandHelp(
            pendingPath: path, flags: leaf ? spec.flags.union(sharedFlags) : spec.flags,
            environmentVariables: leaf ? sharedEnvironment : [], subcommands: spec.subcommands)
    }
}
