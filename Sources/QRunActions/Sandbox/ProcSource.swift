import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where facts about processes come from and where signals go.
///
/// ``LiveProcSource`` reads `/proc` and calls `kill(2)`; tests pass a fake table to prove that a
/// pid whose start time changed (a reused pid) is never signalled. ``ProcessTree`` and
/// ``OrphanReaper`` do all their reading and signalling through it.
public protocol ProcSource: Sendable {
    /// Every process listed right now.
    func all() -> [ProcEntry]
    /// One process, or `nil` when it does not exist (any more).
    func entry(_ pid: Int32) -> ProcEntry?
    /// The process's initial environment as in `/proc/PID/environ` (`NAME=value` entries separated
    /// by NUL bytes), or `nil` when it cannot be read (gone, another user's, a kernel thread).
    /// The bytes may hold another process's secrets: callers only search them, never keep or log them.
    func environment(of pid: Int32) -> [UInt8]?
    /// Sends `signal` (0 only probes) to `pid`; returns 0 on success, else the `errno`.
    func send(_ signal: Int32, to pid: Int32) -> Int32
}

/// The real process table: `/proc` and `kill(2)`.
public struct LiveProcSource: ProcSource {
    /// Creates the live source.
    public init() {}

    /// Every process in `/proc`.
    public func all() -> [ProcEntry] { ProcTable.all() }

    /// `/proc/PID/stat` of one process.
    public func entry(_ pid: Int32) -> ProcEntry? { ProcTable.entry(pid) }

    /// `/proc/PID/environ`, at most 1 MiB.
    public func environment(of pid: Int32) -> [UInt8]? {
        guard pid > 0 else { return nil }
        return ProcTable.readFile("/proc/\(pid)/environ")
    }

    /// `kill(pid, signal)`.
    public func send(_ signal: Int32, to pid: Int32) -> Int32 {
        kill(pid, signal) == 0 ? 0 : errno
    }
}
