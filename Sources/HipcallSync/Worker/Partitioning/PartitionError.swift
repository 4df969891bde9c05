/// Why a partitioned session ended although this worker did not end it.
enum PartitionError: Error, CustomStringConvertible {
    /// The broker ended the consumer of a partition queue (the queue was deleted, or the consumer cancelled).
    case consumerEnded(queue: String)

    var description: String {
        switch self {
        case .consumerEnded(let queue): "the broker ended the consumer of partition queue '\(queue)'"
        }
    }
}
