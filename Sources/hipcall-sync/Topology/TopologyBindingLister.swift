import Foundation
import HipcallSync
import HipcallSyncOperations

/// Reads the bindings of a virtual host with `rabbitmqctl list_bindings`.
struct TopologyBindingLister {
    let executable: String
    let virtualHost: String

    /// Why the bindings could not be listed.
    struct Failure: Error, CustomStringConvertible {
        let executable: String
        let reason: String
        var description: String { "--rabbitmqctl \(executable): \(reason)" }
    }

    /// The queue bindings (exchange, queue, routing key) of the virtual host.
    func bindings() throws -> Set<TopologyBinding> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "-q", "list_bindings", "-p", virtualHost, "source_name", "destination_name", "destination_kind", "routing_key",
            "--no-table-headers",
        ]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw Failure(executable: executable, reason: "cannot run it: \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(executable: executable, reason: "exited with \(process.terminationStatus): \(errorText.prefix(500))")
        }
        var bindings = Set<TopologyBinding>()
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, fields[2] == "queue" else { continue }
            bindings.insert(TopologyBinding(exchange: fields[0], queue: fields[1], routingKey: fields[3]))
        }
        return bindings
    }
}
