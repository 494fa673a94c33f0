import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A local HTTP receiver standing in for a provider: it answers every request 200 at once
/// (keep-alive) and notes, on the monotonic clock, when the request for each path arrived.
final class ProbeReceiver: @unchecked Sendable {
    // @unchecked: `arrivals` is only touched under `lock`; the socket fd is set once in init.
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var arrivals: [String: UInt64] = [:]
    private var first: UInt64?

    init() throws {
        let (listener, port) = try bindLoopback()
        self.listener = listener
        guard listen(listener, 512) == 0 else { throw BenchError("the probe receiver cannot listen") }
        self.port = port
        let fd = listener
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    return
                }
                Thread.detachNewThread { self.serve(c) }
            }
        }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Forgets when the last request arrived (for ``firstArrival()``).
    func reset() {
        lock.lock()
        first = nil
        lock.unlock()
    }

    /// When the first request since ``reset()`` arrived, whatever its path.
    func firstArrival() -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    /// Wakes the accept loop, which closes the socket itself (closing it here could hand its
    /// number to the next receiver while the loop still accepts on it).
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    /// When the request for `path` arrived (nil: not yet).
    func arrival(_ path: String) -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        return arrivals[path]
    }

    /// Waits (spinning briefly) for the request for `path`.
    func waitFor(_ path: String, timeout: Double = 30) -> UInt64? {
        let deadline = Self.now() + UInt64(timeout * 1e9)
        while Self.now() < deadline {
            if let t = arrival(path) { return t }
            usleep(100)
        }
        return nil
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            // One request: headers, then Content-Length bytes of body.
            var headerEnd: Int?
            while headerEnd == nil {
                if let r = Self.find(pending) { headerEnd = r; break }
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return }
                pending += buffer[0..<n]
            }
            let at = Self.now()
            let head = String(decoding: pending[0..<headerEnd!], as: UTF8.self)
            let lines = head.components(separatedBy: "\r\n")
            let path = lines.first?.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let length = lines.compactMap { l -> Int? in
                let parts = l.split(separator: ":", maxSplits: 1)
                return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }.first ?? 0
            lock.lock()
            if arrivals[path] == nil { arrivals[path] = at }
            if first == nil { first = at }
            lock.unlock()
            var rest = Array(pending[(headerEnd! + 4)...])
            while rest.count < length {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n <= 0 { return }
                rest += buffer[0..<n]
            }
            pending = Array(rest[length...])
            let answer = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".utf8)
            _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if head.lowercased().contains("\r\nconnection: close") { return }
        }
    }

    private static func find(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}

/// One HTTP/1.1 request on a new connection to 127.0.0.1: the status (0 when none came) and the body.
@discardableResult
func loopbackRequest(_ method: String, port: Int, path: String, headers: [String: String] = [:], body: String = "") -> (status: Int, body: String) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let ok = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard ok else { return (0, "") }
    var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
    for (k, v) in headers { text += "\(k): \(v)\r\n" }
    text += "\r\n" + body
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var buffer = [UInt8](repeating: 0, count: 65536)
    var got: [UInt8] = []
    while true {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        got += buffer[0..<n]
    }
    let answer = String(decoding: got, as: UTF8.self)
    let status = Int(answer.split(separator: " ").dropFirst().first ?? "") ?? 0
    let body = answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? ""
    return (status, body)
}

/// A TCP socket bound to 127.0.0.1 on a port the kernel chose (SO_REUSEADDR set), and that port.
func bindLoopback() throws -> (fd: Int32, port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket() failed") }
    var one: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard ok else {
        close(fd)
        throw BenchError("cannot bind to 127.0.0.1")
    }
    return (fd, Int(UInt16(bigEndian: addr.sin_port)))
}

/// A free TCP port on 127.0.0.1 (bound, read and closed).
func freeLoopbackPort() throws -> Int {
    let (fd, port) = try bindLoopback()
    close(fd)
    return port
}
