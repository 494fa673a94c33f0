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
        // Every failure path closes what was created so far; the message names the failed step, never a value.
        func abandon(_ code: ChildProcessError.Code, _ step: String, _ error: Int32) -> ChildProcessError {
            descriptors.closeAll()
            return ChildProcessError(code: code, message: "cannot start executable '\(name)': \(step) failed: \(errorText(error))", errno: error)
        }
        func makePipe() throws(ChildProcessError) -> (read: Int32, write: Int32) {
            var ends: [Int32] = [-1, -1]
            if pipe2(&ends, O_CLOEXEC) != 0 {
                throw abandon(.resourceUnavailable, "pipe creation", errno)
            }
            // Keep every descriptor above 2 so that the dup2 file actions below
            // can never overwrite one another or turn into a no-op that would
            // leave O_CLOEXEC set.
            let read = descriptors.adopt(ends[0])
            let write = descriptors.adopt(ends[1])
            guard read >= 0, write >= 0 else {
                throw abandon(.resourceUnavailable, "descriptor duplication", errno)
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
                throw abandon(.resourceUnavailable, "opening /dev/null", errno)
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

        let setupError = prepareFileActions(&actions, stdin: childStdin, stdout: stdoutPipe.write, stderr: stderrPipe.write,
                                            workingDirectory: request.workingDirectory)
        if setupError != 0 {
            throw abandon(.spawnFailed, "preparing file actions", setupError)
        }

        let (attributeError, flagResult) = prepareAttributes(&attributes)
        if flagResult == EINVAL {
            descriptors.closeAll()
            throw ChildProcessError(
                code: .unsupported,
                message: "cannot start executable '\(name)': this C library does not support POSIX_SPAWN_SETSID (glibc 2.26 or later is needed)",
                errno: flagResult
            )
        }
        if attributeError != 0 {
            throw abandon(.spawnFailed, "preparing spawn attributes", attributeError)
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
}
