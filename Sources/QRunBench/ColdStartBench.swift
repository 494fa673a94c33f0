import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Process start → first provider request: `qrun run` of a one-step `http.request` runbook on a
/// fresh state directory, against `curl` sending the same request, both received by one local
/// HTTP receiver that notes when each request's first byte arrives (same clock as the spawn).
enum ColdStartBench {
    static func run(qrun: String, root: String, repeats: Int) throws -> [String: Any] {
        let receiver = try Receiver()
        defer { receiver.stop() }
        let url = "http://127.0.0.1:\(receiver.port)/hook"
        let home = root
        try FileManager.default.createDirectory(atPath: home + "/runbooks", withIntermediateDirectories: true)
        let runbook = """
            runbook: coldstart
            version: 1
            steps:
              - id: call
                uses: http.request
                with: { method: POST, url: "\(url)", body: { id: "cold" } }

            """
        try runbook.write(toFile: home + "/runbooks/coldstart.yaml", atomically: true, encoding: .utf8)
        let curl = "/usr/bin/curl"
        var viaQRun: [Double] = [], viaCurl: [Double] = []
        for i in 0..<(repeats + 2) {
            // Alternate so that neither side profits from a warmer page cache.
            let q = try measure(receiver, qrun, ["run", "coldstart", "--json", "--home", home, "--state-dir", "\(home)/state-\(i)"])
            let c = try measure(receiver, curl, ["-s", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json",
                                                 "-H", "Idempotency-Key: cold-\(i)", "--data", "{\"id\":\"cold\"}", url])
            if i >= 2 { viaQRun.append(q); viaCurl.append(c) }
        }
        let q = Bench.median(viaQRun), c = Bench.median(viaCurl)
        return ["repeats": repeats, "qrun_median_ms": q, "curl_median_ms": c, "ratio_median": q / c,
                "qrun_min_ms": viaQRun.min() ?? 0, "curl_min_ms": viaCurl.min() ?? 0]
    }

    /// Milliseconds from spawning `exe` to the first byte of its request at the receiver.
    static func measure(_ receiver: Receiver, _ exe: String, _ args: [String]) throws -> Double {
        receiver.reset()
        let start = DispatchTime.now().uptimeNanoseconds
        let (_, _, status) = try Bench.runQRun(exe, args)
        guard status == 0 else { throw BenchError("\(exe) \(args.first ?? "") exited \(status)") }
        guard let arrived = receiver.firstArrival() else { throw BenchError("\(exe) sent no request") }
        return Double(arrived - start) / 1e6
    }

    /// A minimal HTTP/1.1 receiver on 127.0.0.1: answers every request `200 {}` and closes.
    final class Receiver: @unchecked Sendable {
        // Unchecked: `arrival` is guarded by `lock`; `fd` is written once before the thread starts.
        let fd: Int32
        let port: Int
        private let lock = NSLock()
        private var arrival: UInt64?
        private var thread: Thread?

        init() throws {
            let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard sock >= 0 else { throw BenchError("socket") }
            var one: Int32 = 1
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            var len = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(sock, $0, len) == 0 && getsockname(sock, $0, &len) == 0 }
            }
            guard bound, listen(sock, 16) == 0 else { throw BenchError("cannot listen on 127.0.0.1") }
            fd = sock
            port = Int(UInt16(bigEndian: addr.sin_port))
            let t = Thread { [unowned self] in self.serve() }
            thread = t
            t.start()
        }

        func reset() { lock.lock(); arrival = nil; lock.unlock() }
        func firstArrival() -> UInt64? { lock.lock(); defer { lock.unlock() }; return arrival }
        /// Wakes the accept loop, which closes the socket itself: closing it here could hand its
        /// number to the next receiver while this loop still accepts on it.
        func stop() { shutdown(fd, Int32(SHUT_RDWR)) }

        private func serve() {
            var buf = [UInt8](repeating: 0, count: 65536)
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 {
                    if errno == EINTR { continue }
                    close(fd)
                    return
                }
                var got = [UInt8]()
                var need = -1
                while need < 0 || got.count < need {
                    let n = recv(c, &buf, buf.count, 0)
                    if n <= 0 { break }
                    if got.isEmpty {
                        let now = DispatchTime.now().uptimeNanoseconds
                        lock.lock(); if arrival == nil { arrival = now }; lock.unlock()
                    }
                    got += buf[0..<n]
                    if need < 0, let end = Self.headerEnd(got) {
                        let head = String(decoding: got[..<end], as: UTF8.self).lowercased()
                        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                            .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                        need = end + 4 + length
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
                _ = answer.withCString { send(c, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(c)
            }
        }

        static func headerEnd(_ b: [UInt8]) -> Int? {
            guard b.count >= 4 else { return nil }
            for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
            return nil
        }
    }
}
