import Foundation

/// `Tests/Fixtures/http_limits_server.py`: a server that answers with huge bodies, trickles bytes
/// slowly, or echoes the `Host` header, on 127.0.0.1 or on the IPv6 loopback `::1`.
public final class HTTPLimitsServer: Sendable {
    private let server: PythonServer
    /// `127.0.0.1` or `::1`.
    public let host: String

    public init(host: String = "127.0.0.1") throws {
        self.host = host
        server = try PythonServer("http_limits_server.py", ["--host", host])
    }

    public var port: Int { server.port }

    /// `http://127.0.0.1:PORT` or `http://[::1]:PORT`.
    public var baseURL: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    /// Seconds after its request that the client of trickle `id` hung up, as the server saw it;
    /// nil if it has not (yet) noticed. The server notices at its next write, within 0.2 s.
    public func hangup(_ id: String) -> Double? {
        guard let o = try? server.getJSON("/hangup/\(id)") as? [String: Any] else { return nil }
        return o["seconds"] as? Double
    }

    public func stop() {
        server.stop()
    }

    /// Whether this machine has the IPv6 loopback address (containers sometimes do not).
    public static var hasIPv6Loopback: Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in6()
        addr.sin6_family = sa_family_t(AF_INET6)
        addr.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }
}
