import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket to 127.0.0.1, for tests that must send exactly
/// the bytes they mean (oversized bodies, broken JSON, odd headers) and read the answer.
public enum LoopbackHTTP {
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String

        /// The body parsed as a JSON object.
        public func json() throws -> [String: Any] {
            guard let o = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else {
                throw TestFailure("answer body is not a JSON object: \(body.prefix(300))")
            }
            return o
        }
    }

    /// Sends one request and reads the whole answer (`Connection: close`). Throws when nothing
    /// answers (connection refused, reset, or no answer within `timeout`).
    public static func request(port: Int, method: String, path: String, headers: [String: String] = [:], body: [UInt8] = [],
                               timeout: TimeInterval = 20) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket failed") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { throw TestFailure("cannot connect to 127.0.0.1:\(port)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        var all = headers
        if all["Content-Length"] == nil && (method != "GET" || !body.isEmpty) { all["Content-Length"] = "\(body.count)" }
        if all["Content-Type"] == nil && !body.isEmpty { all["Content-Type"] = "application/json" }
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        let out = Array(head.utf8) + body
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // The server may answer (413) and close before the whole body is sent: read what came.
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        guard let text = String(bytes: received, encoding: .utf8), let split = text.range(of: "\r\n\r\n") else {
            throw TestFailure("no HTTP answer from 127.0.0.1:\(port) (\(received.count) bytes)")
        }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw TestFailure("bad status line: \(lines.first ?? "")") }
        var h: [String: String] = [:]
        for line in lines.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                h[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var body = String(text[split.upperBound...])
        if h["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Answer(status: status, headers: h, body: body)
    }

    static func dechunk(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let nl = rest.range(of: "\r\n"), let size = Int(rest[..<nl.lowerBound].trimmingCharacters(in: .whitespaces), radix: 16), size > 0 {
            let start = nl.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size), as: UTF8.self)).dropFirst(2)
        }
        return out
    }

    /// POST a JSON text.
    public static func post(port: Int, _ path: String, json: String, headers: [String: String] = [:]) throws -> Answer {
        try request(port: port, method: "POST", path: path, headers: headers, body: Array(json.utf8))
    }
}
