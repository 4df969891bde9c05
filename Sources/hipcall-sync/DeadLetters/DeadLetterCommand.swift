import ArgumentParser

/// `hipcall-sync dead-letters`: inspect, replay and purge the dead-letter queue.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Inspect, count, replay, edit, purge, export and import the dead-letter queue (and the parked and waiting queues, with --parked / --waiting).",
        discussion: """
            list, show and stats never remove anything: they fetch every message with basic.get, hold them \
            unacknowledged and close the channel, which returns them all in their order. replay and purge \
            act only on the messages matching their filters and return the others untouched. \
            A broker that cannot be reached exits with status 2.
            """,
        subcommands: [
            DeadLetterListCommand.self, DeadLetterShowCommand.self, DeadLetterStatsCommand.self, DeadLetterReplayCommand.self,
            DeadLetterEditCommand.self, DeadLetterPurgeCommand.self, DeadLetterExportCommand.self, DeadLetterImportCommand.self,
        ])
}
