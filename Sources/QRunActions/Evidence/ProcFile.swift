import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads a `/proc` file completely. Files there report a size of 0, and a reader that trusts the
/// size (or reads one page) can miss entries — e.g. sockets past the first 4 KiB of
/// `/proc/net/tcp` on a busy machine. This loops on `read(2)` until end of file.
enum ProcFile {
    static func text(_ path: String, limit: Int = 64 << 20) -> String? {
        data(path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    static func data(_ path: String, limit: Int = 64 << 20) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = read(fd, &buf, buf.count)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            out += buf[0..<n]
        }
        return Data(out)
    }
}
