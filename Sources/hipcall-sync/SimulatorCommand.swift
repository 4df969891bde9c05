import ArgumentParser

/// Serves the Hipcall simulator (work in progress on the `hipcall` branch).
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulator", abstract: "Serve the Hipcall API simulator.")
    func run() async throws {}
}
