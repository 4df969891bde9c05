/// A queue of the topology exists with other settings than this version declares (RabbitMQ
/// answered 406 PRECONDITION_FAILED), typically a retry or dead-letter queue made classic by an
/// earlier version: `hipcall-sync topology migrate` rebuilds it without losing its messages.
public struct TopologyMismatch: Error, Sendable, CustomStringConvertible {
    /// The queue that differs.
    public let queue: String
    /// The broker's reply text, which names the differing argument.
    public let brokerReply: String

    public var description: String {
        "queue '\(queue)' exists with other settings than this version declares (\(brokerReply)); "
            + "stop the workers and run `hipcall-sync topology migrate` (see the runbook, \"Migrating the topology\")"
    }
}
