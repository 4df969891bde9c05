import Logging

extension AMQPConnection {
    /// Connects to the first address of `addresses` that answers, in
    /// ``AMQPAddressList/connectionOrder(after:)`` from `previous` (the address of the connection that
    /// was lost, if any). A refused login counts as a failure of that address too, since each node may
    /// have its own credentials. When none answers, the error names every address (without its
    /// password) and why it failed; with a single address, its own error is thrown unchanged.
    public static func connect(
        _ addresses: AMQPAddressList, after previous: AMQPConfiguration? = nil, logger: Logger = Logger(label: "amqp"),
        onFlowChange: (@Sendable (_ blockedReason: String?) -> Void)? = nil
    ) async throws -> AMQPConnection {
        var failures: [(address: AMQPConfiguration, error: AMQPError)] = []
        let order = addresses.connectionOrder(after: previous)
        for (index, address) in order.enumerated() {
            do {
                return try await connect(address, logger: logger, onFlowChange: onFlowChange)
            } catch let error as AMQPError where error.isConnectionLevel {
                try Task.checkCancellation()
                if index < order.count - 1 {
                    logger.warning("broker address did not answer; trying the next", metadata: ["broker": "\(address)", "error": "\(error)"])
                }
                failures.append((address, error))
            }
        }
        guard failures.count > 1 else { throw failures[0].error }
        let kinds = Set(failures.map { "\($0.error.kind)" })
        throw AMQPError(
            kinds.count == 1 ? failures[0].error.kind : .connectionFailed,
            message: "no broker address answered: "
                + failures.map { "\($0.address) (\($0.error.message))" }.joined(separator: "; "))
    }
}
