import ArgumentParser

/// `hipcall-sync dead-letters`: inspect, replay and purge the dead-letter queue.
struct DeadLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Inspect, replay and purge the dead-letter queue.",
        discussion: """
            list and show never remove anything: they fetch every message with basic.get, hold them \
            unacknowledged and close the channel, which returns them all in their order. replay and purge \
            act only on the messages matching their filters and return the others untouched. \
            A broker that cannot be reached exits with status 2.
            """,
        subcommands: [
            DeadLetterListCommand.self, DeadLetterShowCommand.self, DeadLetterReplayCommand.self, DeadLetterPurgeCommand.self,
        ])
}
