import ArgumentParser

/// `hipcall-sync topology`: declare, verify, migrate or delete the broker objects the sync needs.
struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Declare, verify, migrate or delete the exchanges, queues and bindings the sync needs.",
        subcommands: [
            TopologyDeclareCommand.self, TopologyVerifyCommand.self, TopologyMigrateCommand.self, TopologyDeleteCommand.self,
            TopologyShowCommand.self,
        ])
}
