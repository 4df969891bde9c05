/// A server running on a task of this process, e.g. the simulator in a test, reachable at
/// `host:port` until `stop()`.
public struct InProcessServer: Sendable {
    /// The interface it listens on.
    public let host: String
    /// The port it is bound to.
    public let port: Int
    private let task: Task<Void, Never>

    /// Runs `serve` on a new task and returns once `serve` reports its bound port through the
    /// `onListening` it is given; throws what `serve` throws before that.
    public static func start(
        host: String, _ serve: @escaping @Sendable (_ onListening: @escaping @Sendable (Int) async -> Void) async throws -> Void
    ) async throws -> InProcessServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let task = Task {
            do {
                try await serve { continuation.yield(.success($0)) }
                continuation.finish()
            } catch {
                continuation.yield(.failure(error))
            }
        }
        for await result in ports {
            return InProcessServer(host: host, port: try result.get(), task: task)
        }
        throw CancellationError()
    }

    /// `http://host:port`.
    public var baseURL: String { "http://\(host):\(port)" }

    /// Stops serving and waits until the server has shut down.
    public func stop() async {
        task.cancel()
        await task.value
    }
}
