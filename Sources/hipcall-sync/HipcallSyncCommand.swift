import ArgumentParser

/// The `hipcall-sync` command line: the root command that groups every tool of the fleet.
@main
struct HipcallSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hipcall-sync",
        abstract: "Keep Hipcall companies and contacts in lockstep with a CRM's RabbitMQ events.",
        version: HipcallSyncVersion.current,
        subcommands: [
            WorkerCommand.self, PublishCommand.self, ReconcileCommand.self, ResyncCommand.self, DeadLetterCommand.self, TopologyCommand.self,
            SimulatorCommand.self,
        ]
    )
}
