import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// A started child and the parent's ends of its standard streams.
    struct SpawnedChild: Sendable {
        /// The child's pid, which is also its process group id and session id.
        let pid: pid_t
        /// Write end of the child's stdin pipe, or -1 when stdin is `/dev/null`.
        let stdinFD: Int32
        /// Read end of the child's stdout pipe.
        let stdoutFD: Int32
        /// Read end of the child's stderr pipe.
        let stderrFD: Int32
        /// Read end of the supervisor's wake-up pipe.
        let wakeReadFD: Int32
        /// Write end of the supervisor's wake-up pipe.
        let wakeWriteFD: Int32
    }

    /// `POSIX_SPAWN_SETSID` from glibc's `<spawn.h>`.
    ///
    /// glibc declares it only under `__USE_GNU`, which the Swift `Glibc` module
    /// is not built with, so the constant is not imported. Its value, `0x80`,
    /// is part of the glibc ABI since 2.26. On an older glibc,
    /// `posix_spawnattr_setflags` rejects the unknown bit with `EINVAL`, which
    /// becomes an ``ChildProcessError/Code/unsupported`` error instead of a
    /// child silently sharing our session.
    static let posixSpawnSetsid: Int32 = 0x80

    /// Starts the child. Every descriptor created here is closed again on
    /// every failure path; on success the parent's ends are returned.
    static func spawn(executablePath: String, request: ChildProcessRequest) throws(ChildProcessError) -> SpawnedChild {
        let name = request.executable
        guard let pipe2 = GNULibc.pipe2 else {
            throw ChildProcessError(code: .unsupported, message: "cannot start executable '\(name)': pipe2 is unavailable")
        }
        if let directory = request.workingDirectory {
            var info = stat()
            guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw ChildProcessError(
                    code: .workingDirectoryUnavailable,
                    message: "cannot start executable '\(name)': its working directory does not exist or is not a directory",
                    errno: ENOTDIR
                )
            }
            if GNULibc.addChdir == nil {
                throw ChildProcessError(
                    code: .unsupported,
                    message: "cannot start executable '\(name)' in a working directory: glibc lacks posix_spawn_file_actions_addchdir_np"
                )
            }
        }

        var descriptors = DescriptorSet()
        func makePipe() throws(ChildProcessError) -> (read: Int32, write: Int32) {
            var ends: [Int32] = [-1, -1]
            if pipe2(&ends, O_CLOEXEC) != 0 {
                let code = errno
                descriptors.closeAll()
                throw ChildProcessError(
                    code: .resourceUnavailable,
                    message: "cannot start executable '\(name)': pipe creation failed: \(errorText(code))",
                    errno: code
                )
            }
            // Keep every descriptor above 2 so that the dup2 file actions below
            // can never overwrite one another or turn into a no-op that would
            // leave O_CLOEXEC set.
            let read = descriptors.adopt(ends[0])
            let write = descriptors.adopt(ends[1])
            guard read >= 0, write >= 0 else {
                let code = errno
                descriptors.closeAll()
                throw ChildProcessError(
                    code: .resourceUnavailable,
                    message: "cannot start executable '\(name)': descriptor duplication failed: \(errorText(code))",
                    errno: code
                )
            }
            return (read, write)
        }

        let wake = try makePipe()
        let stdoutPipe = try makePipe()
        let stderrPipe = try makePipe()
        let childStdin: Int32
        let parentStdin: Int32
        if request.stdin != nil {
            let stdinPipe = try makePipe()
            childStdin = stdinPipe.read
            parentStdin = stdinPipe.write
        } else {
            let devNull = descriptors.adopt(open("/dev/null", O_RDONLY | O_CLOEXEC))
            guard devNull >= 0 else {
                let code = errno
                descriptors.closeAll()
                throw ChildProcessError(
                    code: .resourceUnavailable,
                    message: "cannot start executable '\(name)': opening /dev/null failed: \(errorText(code))",
                    errno: code
                )
            }
            childStdin = devNull
            parentStdin = -1
        }
        for fd in [wake.read, wake.write, stdoutPipe.read, stderrPipe.read, parentStdin] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var setupError: Int32 = 0
        func check(_ result: Int32) {
            if setupError == 0, result != 0 { setupError = result }
        }
        check(posix_spawn_file_actions_adddup2(&actions, childStdin, STDIN_FILENO))
        check(posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, STDOUT_FILENO))
        check(posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, STDERR_FILENO))
        if let closeFrom = GNULibc.addCloseFrom {
            // Closes every inherited descriptor >= 3, including ones other code
            // in this process opened without O_CLOEXEC.
            check(closeFrom(&actions, 3))
        }
        // Without closefrom (glibc < 2.34) only O_CLOEXEC protects the child:
        // every descriptor created here has it, so nothing of ours leaks.
        if let directory = request.workingDirectory, let addChdir = GNULibc.addChdir {
            check(directory.withCString { addChdir(&actions, $0) })
        }
        if setupError != 0 {
            descriptors.closeAll()
            throw ChildProcessError(
                code: .spawnFailed,
                message: "cannot start executable '\(name)': preparing file actions failed: \(errorText(setupError))",
                errno: setupError
            )
        }

        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        check(posix_spawnattr_setsigmask(&attributes, &emptyMask))
        check(posix_spawnattr_setsigdefault(&attributes, &allSignals))
        let flags = posixSpawnSetsid | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        let flagResult = posix_spawnattr_setflags(&attributes, Int16(flags))
        if flagResult == EINVAL {
            descriptors.closeAll()
            throw ChildProcessError(
                code: .unsupported,
                message: "cannot start executable '\(name)': this C library does not support POSIX_SPAWN_SETSID (glibc 2.26 or later is needed)",
                errno: flagResult
            )
        }
        check(flagResult)
        if setupError != 0 {
            descriptors.closeAll()
            throw ChildProcessError(
                code: .spawnFailed,
                message: "cannot start executable '\(name)': preparing spawn attributes failed: \(errorText(setupError))",
                errno: setupError
            )
        }

        let argv = CStringArray([name] + request.arguments)
        let envp = CStringArray(
            request.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        )
        defer {
            argv.deallocate()
            envp.deallocate()
        }

        var pid: pid_t = 0
        let spawnResult = posix_spawn(&pid, executablePath, &actions, &attributes, argv.pointer, envp.pointer)

        // The child's ends belong to the child now (or to nobody on failure).
        descriptors.close(childStdin)
        descriptors.close(stdoutPipe.write)
        descriptors.close(stderrPipe.write)

        if spawnResult != 0 {
            descriptors.closeAll()
            throw spawnError(name: name, code: spawnResult)
        }
        return SpawnedChild(
            pid: pid,
            stdinFD: parentStdin,
            stdoutFD: stdoutPipe.read,
            stderrFD: stderrPipe.read,
            wakeReadFD: wake.read,
            wakeWriteFD: wake.write
        )
    }

    /// Maps a `posix_spawn` error (including the child's `execve` error, which
    /// glibc reports back) to a ``ChildProcessError`` naming only the executable.
    static func spawnError(name: String, code: Int32) -> ChildProcessError {
        switch code {
        case ENOENT:
            return ChildProcessError(
                code: .executableNotFound,
                message: "executable '\(name)' not found (the file or its script interpreter does not exist)",
                errno: code
            )
        case EACCES, EPERM:
            return ChildProcessError(
                code: .permissionDenied,
                message: "permission denied executing '\(name)'",
                errno: code
            )
        case ENOEXEC, EISDIR, ENOTDIR, ELOOP, ETXTBSY:
            return ChildProcessError(
                code: .notExecutable,
                message: "executable '\(name)' cannot be executed: \(errorText(code))",
                errno: code
            )
        case ENOMEM, EAGAIN, EMFILE, ENFILE, E2BIG:
            return ChildProcessError(
                code: .resourceUnavailable,
                message: "cannot start executable '\(name)': \(errorText(code))",
                errno: code
            )
        default:
            return ChildProcessError(
                code: .spawnFailed,
                message: "cannot start executable '\(name)': \(errorText(code))",
                errno: code
            )
        }
    }

    /// `strerror` text for an errno value.
    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// glibc functions the Swift `Glibc` module does not import because they are
/// declared only under `_GNU_SOURCE`. They are looked up once with `dlsym` in
/// the global symbol scope and called through C function pointers with the
/// exact prototypes from `<unistd.h>` and `<spawn.h>`.
enum GNULibc {
    /// `int pipe2(int pipefd[2], int flags)`, glibc 2.9.
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    /// `int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *, const char *)`, glibc 2.29.
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    /// `int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int)`, glibc 2.34.
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2", as: Pipe2.self)
    static let addChdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self)
    static let addCloseFrom: AddCloseFrom? = symbol("posix_spawn_file_actions_addclosefrom_np", as: AddCloseFrom.self)

    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        // dlopen(NULL) is the main program's handle; dlsym on it searches the
        // global scope, which includes libc.
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else {
            return nil
        }
        return unsafeBitCast(address, to: type)
    }
}

/// The descriptors created while preparing a spawn, so that every failure
/// path can close them all.
private struct DescriptorSet {
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

/// A NULL-terminated array of C strings for `argv` / `envp`, owned until
/// `deallocate()`.
private struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func deallocate() {
        for index in 0..<count { free(pointer[index]) }
        pointer.deallocate()
    }
}
