import ArgumentParser

/// `hipcall-sync topology`: declare or verify the broker objects the sync needs.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Declare or verify the exchanges, queues and bindings the sync needs.",
        subcommands: [TopologyDeclareCommand.self, TopologyVerifyCommand.self])
}
