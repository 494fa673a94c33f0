import Foundation

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Adds the file actions of a spawn: the three standard streams, closing
    /// every other inherited descriptor, and the working directory.
    /// Returns the first non-zero result of the setup calls, or 0.
    static func prepareFileActions(_ actions: inout posix_spawn_file_actions_t, stdin: Int32, stdout: Int32, stderr: Int32,
                                   workingDirectory: String?) -> Int32 {
        var results = [
            posix_spawn_file_actions_adddup2(&actions, stdin, STDIN_FILENO),
            posix_spawn_file_actions_adddup2(&actions, stdout, STDOUT_FILENO),
            posix_spawn_file_actions_adddup2(&actions, stderr, STDERR_FILENO),
        ]
        if let closeFrom = GNULibc.addCloseFrom {
            // Closes every inherited descriptor >= 3, including ones other code
            // in this process opened without O_CLOEXEC.
            results.append(closeFrom(&actions, 3))
        }
        // Without closefrom (glibc < 2.34) only O_CLOEXEC protects the child:
        // every descriptor created here has it, so nothing of ours leaks.
        if let workingDirectory, let addChdir = GNULibc.addChdir {
            results.append(workingDirectory.withCString { addChdir(&actions, $0) })
        }
        return firstFailure(results)
    }

    /// Sets the spawn attributes: a new session, an empty signal mask and
    /// every signal at its default disposition. Returns the first non-zero
    /// result of the setup calls (or 0) and, separately, the result of
    /// `posix_spawnattr_setflags`, whose `EINVAL` means SETSID is unsupported.
    static func prepareAttributes(_ attributes: inout posix_spawnattr_t) -> (setupError: Int32, flagResult: Int32) {
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        let maskResult = posix_spawnattr_setsigmask(&attributes, &emptyMask)
        let defaultResult = posix_spawnattr_setsigdefault(&attributes, &allSignals)
        let flags = posixSpawnSetsid | Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        let flagResult = posix_spawnattr_setflags(&attributes, Int16(flags))
        return (firstFailure([maskResult, defaultResult, flagResult]), flagResult)
    }

    /// The first non-zero result of a sequence of setup calls, or 0 when all succeeded.
    private static func firstFailure(_ results: [Int32]) -> Int32 {
        results.first { $0 != 0 } ?? 0
    }
}
