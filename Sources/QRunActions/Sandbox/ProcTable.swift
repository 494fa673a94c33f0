import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One process as read from `/proc/<pid>/stat`.
///
/// `startTime` (field 22, clock ticks since boot) together with `pid` identifies a process
/// across pid reuse: a signal is only sent when both still match.
public struct ProcEntry: Sendable, Hashable {
    /// The process id.
    public var pid: Int32
    /// The parent's pid.
    public var ppid: Int32
    /// The process group id.
    public var pgrp: Int32
    /// The session id.
    public var session: Int32
    /// The one-letter state (`R`, `S`, `T`, `Z`, …).
    public var state: Character
    /// Start time in clock ticks after boot.
    public var startTime: UInt64

    /// Whether the process has exited (zombie or dead) and only waits to be reaped.
    public var isDead: Bool { state == "Z" || state == "X" || state == "x" }
}

/// Read-only access to `/proc`.
public enum ProcTable {
    /// Reads a whole (pseudo-)file; `nil` when it cannot be opened.
    static func readFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 8192) }
            if n < 0 { if errno == EINTR { continue }; return out.isEmpty ? nil : out }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// The entry of one pid, or `nil` when it does not exist (any more).
    public static func entry(_ pid: Int32) -> ProcEntry? {
        guard pid > 0, let bytes = readFile("/proc/\(pid)/stat") else { return nil }
        return parseStat(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses the text of `/proc/<pid>/stat`; the command name may hold spaces and `)`.
    static func parseStat(_ text: String) -> ProcEntry? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
        guard let pid = Int32(text[..<open].trimmingCharacters(in: .whitespaces)) else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // rest[0] is field 3 (state); field n is rest[n - 3].
        guard rest.count > 19, let state = rest[0].first,
              let ppid = Int32(rest[1]), let pgrp = Int32(rest[2]), let session = Int32(rest[3]),
              let start = UInt64(rest[19]) else { return nil }
        return ProcEntry(pid: pid, ppid: ppid, pgrp: pgrp, session: session, state: state, startTime: start)
    }

    /// Every process currently listed in `/proc`.
    public static func all() -> [ProcEntry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { Int32($0) }.compactMap { entry($0) }
    }

    /// The command line (arguments joined by spaces), or `[name]` for kernel threads and zombies.
    public static func commandLine(_ pid: Int32) -> String {
        if let bytes = readFile("/proc/\(pid)/cmdline", limit: 4096), !bytes.isEmpty {
            let parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            let text = parts.joined(separator: " ").trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { return text }
        }
        if let bytes = readFile("/proc/\(pid)/comm", limit: 256) {
            return "[" + String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) + "]"
        }
        return "[gone]"
    }

    /// Whether the process identified by `pid` and `startTime` still exists and is not a zombie.
    public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        guard let e = entry(pid), e.startTime == startTime else { return false }
        return !e.isDead
    }
}
