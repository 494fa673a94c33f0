import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess.Supervisor {
    /// Reaps the exited child with one `waitpid`, retrying on `EINTR`.
    /// Returns its wait status, or nil when the child could not be reaped
    /// (someone else reaped it first).
    static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &status, 0)
        } while result < 0 && errno == EINTR
        return result == pid ? status : nil
    }

    /// Closes the given descriptors that are still open (-1 means closed),
    /// then the wake-up pipe. The write end is closed under the lock so that
    /// no waker writes to a descriptor number that may already be reused.
    func releaseDescriptors(_ descriptors: [Int32]) {
        for fd in descriptors where fd >= 0 {
            close(fd)
        }
        shared.withLock { state in
            state.wakeClosed = true
            close(child.wakeWriteFD)
        }
        close(child.wakeReadFD)
    }

    /// The exit code (normal exit) or terminating signal encoded in a
    /// `waitpid` status; both nil when there is no status or the child
    /// is only stopped.
    static func exitStatus(_ waitStatus: Int32?) -> (exitCode: Int32?, signal: Int32?) {
        guard let status = waitStatus else { return (nil, nil) }
        let low = status & 0x7f
        if low == 0 {
            return ((status >> 8) & 0xff, nil)
        }
        if low != 0x7f {
            return (nil, low)
        }
        return (nil, nil)
    }
}
