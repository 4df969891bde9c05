#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks that a TCP port can be listened on, before a worker connects to anything: binds it the
/// way the HTTP server will (first address of the host, `SO_REUSEADDR`) and lets it go again.
enum PortProbe {
    /// Why the port cannot be listened on: the failed step and the system's words for it.
    struct Failure: Error {
        /// Whether another process already listens there (`EADDRINUSE`).
        let isInUse: Bool
        let reason: String

        init(call: String, errorNumber: Int32) {
            isInUse = errorNumber == EADDRINUSE
            reason = "\(call): \(String(cString: strerror(errorNumber)))"
        }

        init(resolving status: Int32) {
            isInUse = false
            reason = "cannot resolve the host: \(String(cString: gai_strerror(status)))"
        }
    }

    /// Binds `host:port` (`port` in 1...65535) and closes the socket at once; throws when that fails.
    static func check(host: String, port: Int) throws(Failure) {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let address = result else {
            throw Failure(resolving: status)
        }
        defer { freeaddrinfo(result) }
        let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard descriptor >= 0 else { throw Failure(call: "socket", errorNumber: errno) }
        defer { close(descriptor) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            throw Failure(call: "bind", errorNumber: errno)
        }
        guard listen(descriptor, 1) == 0 else { throw Failure(call: "listen", errorNumber: errno) }
    }
}
