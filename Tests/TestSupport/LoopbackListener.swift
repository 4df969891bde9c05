import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP socket bound to and listening on a free port of 127.0.0.1 until `close()`.
public struct LoopbackListener: Sendable {
    /// The socket's file descriptor.
    public let descriptor: Int32
    /// The port it listens on.
    public let port: Int

    /// Binds a new socket to a free loopback port and listens on it.
    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw LoopbackListenerError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let failed: String? = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                if bind(descriptor, socketAddress, length) != 0 { return "bind" }
                if listen(descriptor, 4) != 0 { return "listen" }
                if getsockname(descriptor, socketAddress, &length) != 0 { return "getsockname" }
                return nil
            }
        }
        if let failed {
            let error = LoopbackListenerError(call: failed, errno: errno)
            Glibc.close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// A port nobody listens on right now (bound, then released at once).
    public static func freePort() throws -> Int {
        let listener = try LoopbackListener()
        defer { listener.close() }
        return listener.port
    }

    /// Closes the socket.
    public func close() {
        Glibc.close(descriptor)
    }
}

/// A socket call of `LoopbackListener` failed.
public struct LoopbackListenerError: Error, CustomStringConvertible {
    /// The call that failed (`socket`, `bind`, `listen`, `getsockname`).
    public var call: String
    /// Its `errno`.
    public var errno: Int32

    public var description: String { "cannot listen on a loopback port: \(call) failed with errno \(errno)" }
}
