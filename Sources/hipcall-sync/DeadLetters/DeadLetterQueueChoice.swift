import ArgumentParser
import AMQPClient
import HipcallSync
import HipcallSyncOperations

/// `--parked`: whether a `dead-letters` command reads the loop guard's parked queue instead of the dead-letter queue.
struct DeadLetterQueueChoice: ParsableArguments {
    @Flag(help: "Work on the parked queue (<prefix>.parked, where replay's loop guard moves what failed every replay).")
    var parked = false

    /// The queue to work on, over `connection`.
    func queue(_ connection: AMQPConnection, topology: SyncTopology) -> DeadLetterQueue {
        DeadLetterQueue(connection: connection, topology: topology, parked: parked)
    }
}
