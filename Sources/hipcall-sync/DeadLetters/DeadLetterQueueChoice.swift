import AMQPClient
import ArgumentParser
import HipcallSync
import HipcallSyncOperations

/// `--parked` / `--waiting`: whether a `dead-letters` command works on the loop guard's parked
/// queue or the workers' waiting queue instead of the dead-letter queue.
struct DeadLetterQueueChoice: ParsableArguments {
    @Flag(help: "Work on the parked queue (<prefix>.parked, where replay's loop guard moves what failed every replay).")
    var parked = false

    @Flag(help: "Work on the waiting queue (<prefix>.waiting: contacts waiting for their company, replayed by the workers once it is synced).")
    var waiting = false

    func validate() throws {
        if parked && waiting { throw ValidationError("--parked and --waiting exclude each other") }
    }

    /// Which queue was chosen.
    var holding: DeadLetterQueue.Holding { parked ? .parked : waiting ? .waiting : .deadLetters }

    /// The queue to work on, over `connection`.
    func queue(_ connection: AMQPConnection, topology: SyncTopology) -> DeadLetterQueue {
        DeadLetterQueue(connection: connection, topology: topology, holding: holding)
    }
}
