import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The descriptors created while preparing a spawn, so that every failure
/// path can close them all.
struct DescriptorSet {
    private var open: [Int32] = []

    /// Records `fd`, first moving it to a number above 2 (keeping O_CLOEXEC).
    /// Returns -1 if `fd` is invalid or cannot be moved.
    mutating func adopt(_ fd: Int32) -> Int32 {
        guard fd >= 0 else { return -1 }
        if fd > STDERR_FILENO {
            open.append(fd)
            return fd
        }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 3)
        let saved = errno
        Glibc.close(fd)
        errno = saved
        guard moved >= 0 else { return -1 }
        open.append(moved)
        return moved
    }

    /// Closes one recorded descriptor.
    mutating func close(_ fd: Int32) {
        guard let index = open.firstIndex(of: fd) else { return }
        open.remove(at: index)
        Glibc.close(fd)
    }

    /// Closes every recorded descriptor.
    mutating func closeAll() {
        for fd in open { Glibc.close(fd) }
        open.removeAll()
    }
}
