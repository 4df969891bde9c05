import AMQPClient
import ArgumentParser
import HipcallJSON
import HipcallSync
import HipcallSyncOperations

/// `hipcall-sync topology migrate`: rebuilds the queues an earlier version made with other settings.
struct TopologyMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Rebuild the queues that exist with other settings (classic retry and dead-letter queues) without losing a message.",
        discussion: """
            For each queue that exists with other settings than this version declares: its messages are \
            moved (republished, confirmed, then acked) into a holding quorum queue '<queue>.migrating', the \
            emptied queue is deleted and declared anew with its bindings, and the messages are moved back; then \
            the whole topology is declared. Each step is decided from what the broker holds, so a run that \
            stopped anywhere is resumed by running it again; a message may be copied twice, never lost. \
            Stop the workers first: it refuses, changing nothing, to rebuild a queue while anything consumes \
            from the topology's queues; run no dead-letters command meanwhile (a message it holds unacked is \
            not seen). Work queues and the journal stream are never rebuilt (it refuses and says why). With \
            --dry-run it prints each queue's state and next step and changes nothing. Exits with 0 when the \
            topology is (or, with --dry-run, already was) as declared, 1 when refused or when --dry-run finds \
            work to do, 2 when the broker cannot be reached.
            """)

    @OptionGroup var broker: BrokerOptions
    @OptionGroup var topology: TopologyOptions

    @Flag(help: "Print each queue's state and next step; change nothing.")
    var dryRun = false

    @Flag(help: "Print the plan as JSON.")
    var json = false

    func run() async throws {
        let topology = try topology.resolved()
        let connection = try await OperatorSession.connect(broker)
        let migration = TopologyMigration(topology: topology)
        let plans: [TopologyMigration.Plan]
        do {
            plans = dryRun ? try await migration.plan(on: connection) : try await migration.run(on: connection) { progress in
                switch progress {
                case .step(let queue, let step) where step != .done:
                    OperatorSession.printError("\(queue): \(step.label)")
                case .moved(let source, let target, let count):
                    OperatorSession.printError("moved \(count) message\(count == 1 ? "" : "s") from \(source) to \(target)")
                default:
                    break
                }
            }
        } catch let error as TopologyMigrationError {
            await connection.close()
            OperatorSession.printError("\(error)")
            throw ExitCode.failure
        } catch let error as AMQPError where error.isConnectionLevel {
            OperatorSession.printError("lost the broker while migrating: \(error.message); run it again to resume")
            throw ExitCode(OperatorSession.unreachableExitCode)
        } catch {
            await connection.close()
            OperatorSession.printError("migration stopped: \(error); run it again to resume once that is fixed")
            throw ExitCode.failure
        }
        await connection.close()
        print(json ? Self.json(plans) : Self.table(plans, dryRun: dryRun))
        if dryRun, plans.contains(where: { $0.step != .done }) { throw ExitCode.failure }
    }

    private static func found(_ plan: TopologyMigration.Plan) -> String {
        let observation = plan.observation
        var text: String
        switch observation.found {
        case .missing: text = "missing"
        case .matching: text = "as declared"
        case .mismatched(let reason): text = "other settings: \(reason)"
        }
        if observation.found != .missing { text += "; \(observation.messages) ready, \(observation.consumers) consumers" }
        if let held = observation.held { text += "; \(held) held in \(TopologyMigration.holdingQueue(for: plan.queue))" }
        return text
    }

    private static func table(_ plans: [TopologyMigration.Plan], dryRun: Bool) -> String {
        var table = OperatorTable(headers: ["QUEUE", "FOUND", dryRun ? "NEXT STEP" : "DONE"])
        for plan in plans {
            table.rows.append([plan.queue, found(plan), dryRun ? plan.step.label : (plan.step == .done ? "nothing to do" : "migrated")])
        }
        let pending = plans.filter { $0.step != .done }.count
        let summary =
            dryRun
            ? (pending == 0 ? "nothing to migrate" : "\(pending) queue\(pending == 1 ? "" : "s") to declare or migrate")
            : "\(pending) queue\(pending == 1 ? "" : "s") migrated; the topology is as declared"
        return table.render(maxCellWidth: 200) + "\n" + summary
    }

    private static func json(_ plans: [TopologyMigration.Plan]) -> String {
        JSONValue.array(
            plans.map { plan in
                .object([
                    "queue": .string(plan.queue), "found": .string(found(plan)), "step": .string(plan.step.label),
                    "messages": .int(Int64(plan.observation.messages)), "consumers": .int(Int64(plan.observation.consumers)),
                ])
            }
        ).jsonText
    }
}
