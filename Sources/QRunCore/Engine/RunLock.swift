import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive, crash-safe claim on one run: an `flock` on `locks/<run>.lock`. The kernel drops
/// it when the holder dies (even by `kill -9`), so `resume` can always take over an abandoned run
/// and can never run a live one twice.
public final class RunLock: Sendable {
    private let fd: Int32
    public let path: String

    /// Takes the lock without waiting; throws naming the holder when another process has it.
    public init(directory: StateDirectory, runID: String) throws(StoreError) {
        let path = (directory.locksPath as NSString).appendingPathComponent("\(runID).lock")
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError(.io, "cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buf = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buf, 31, 0)
            let holder = n > 0 ? String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw StoreError(.locked, "run \(runID) is being executed by another qrun process (pid \(holder)); wait for it, or stop that process and run `qrun resume \(runID)`")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
    }

    /// Whether some live process holds the run's lock right now.
    public static func isHeld(directory: StateDirectory, runID: String) -> Bool {
        let path = (directory.locksPath as NSString).appendingPathComponent("\(runID).lock")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 { return true }
        flock(fd, LOCK_UN)
        return false
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
