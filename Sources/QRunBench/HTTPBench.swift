import Foundation
import QRunActions
#if canImport(Glibc)
import Glibc
#endif

/// Loopback request latency through qrun's `CurlTransport` (libcurl driven directly), against a hand-written keep-alive HTTP/1.1 client on a raw socket as the floor,
/// both hitting the same local server in the same run.
enum HTTPBench {
    static func run(requests: Int, serverScript: String) async throws -> [String: Any] {
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", serverScript]
        let pipe = Pipe()
        server.standardOutput = pipe
        try server.run()
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }
        var port = 0
        var buffer = Data()
        while port == 0 {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { throw BenchError("server did not start") }
            buffer.append(chunk)
            if let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) {
                port = Int(line.dropFirst(5)) ?? 0
            }
        }
        let transport = CurlTransport()
        let url = URL(string: "http://127.0.0.1:\(port)/effect/bench")!
        var viaTransport: [Double] = []
        for i in 0..<(requests + 20) {
            let start = DispatchTime.now()
            let r = try await transport.send(HTTPRequest(method: "GET", url: url, headers: [("Idempotency-Key", "k\(i % 50)")]))
            guard r.status == 200 else { throw BenchError("status \(r.status)") }
            if i >= 20 { viaTransport.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6) }
        }
        let raw = try rawSocket(port: port, requests: requests)
        return ["requests": requests,
                "transport_median_ms": Bench.percentile(viaTransport, 0.5), "transport_p99_ms": Bench.percentile(viaTransport, 0.99),
                "raw_socket_median_ms": Bench.percentile(raw, 0.5), "raw_socket_p99_ms": Bench.percentile(raw, 0.99),
                "ratio_median": Bench.percentile(viaTransport, 0.5) / Bench.percentile(raw, 0.5)]
    }

    /// Sequential keep-alive GETs on one TCP connection, parsing only Content-Length.
    static func rawSocket(port: Int, requests: Int) throws -> [Double] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw BenchError("connect") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var out: [Double] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        for i in 0..<(requests + 20) {
            let req = "GET /effect/bench HTTP/1.1\r\nHost: 127.0.0.1\r\nIdempotency-Key: k\(i % 50)\r\n\r\n"
            let start = DispatchTime.now()
            _ = req.withCString { send(fd, $0, strlen($0), 0) }
            var got = [UInt8]()
            var need = -1
            while need < 0 || got.count < need {
                let n = recv(fd, &buf, buf.count, 0)
                guard n > 0 else { throw BenchError("recv") }
                got += buf[0..<n]
                if need < 0, let text = String(bytes: got, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                    let head = text[..<end.lowerBound].lowercased()
                    let len = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }.flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                    need = text.utf8.distance(from: text.utf8.startIndex, to: end.upperBound.samePosition(in: text.utf8)!) + len
                }
            }
            if i >= 20 { out.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6) }
        }
        return out
    }
}
