import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess {
    /// Watches one started child: pumps its pipes, enforces the timeout,
    /// reacts to cancellation, reaps it and builds the ``ChildResult``.
    ///
    /// Two dedicated threads do the blocking work so that the cooperative
    /// thread pool is never held:
    /// - the *waiter* blocks in `waitid(P_PID, pid, WEXITED | WNOWAIT)`, which
    ///   reports the exit without reaping, then wakes the I/O thread;
    /// - the *I/O thread* runs a `poll` loop over stdin, stdout, stderr and a
    ///   wake-up pipe, sends every signal, reaps the child with one `waitpid`
    ///   and resumes the caller's continuation.
    ///
    /// Every `kill(-pid, …)` happens on the I/O thread before the `waitpid`,
    /// i.e. while the child is alive or a zombie, so its pid and process group
    /// id cannot have been reused by an unrelated process.
    final class Supervisor: Sendable {
        /// State shared with the waiter thread and the cancellation handler.
        struct Shared {
            var cancelRequested = false
            var leaderExited = false
            /// `waitid` failed with `ECHILD`: someone else reaped the child.
            /// The pid may already be reused, so no more signals are sent.
            var leaderVanished = false
            /// The wake-up pipe is closed; nobody may write to it any more
            /// (the descriptor number could already belong to something else).
            var wakeClosed = false
        }

        let child: SpawnedChild
        let request: ChildProcessRequest
        let startInstant: ContinuousClock.Instant
        let shared = Mutex(Shared())

        init(child: SpawnedChild, request: ChildProcessRequest, start: ContinuousClock.Instant) {
            self.child = child
            self.request = request
            self.startInstant = start
        }

        /// Starts the waiter and I/O threads; `continuation` is resumed exactly
        /// once, by the I/O thread, when the child is reaped and output collected.
        func start(_ continuation: CheckedContinuation<ChildResult, Never>) {
            let waiter = Thread { [self] in
                self.waitForExit()
            }
            waiter.name = "qrun-child-wait"
            waiter.start()
            let io = Thread { [self] in
                continuation.resume(returning: self.superviseIO())
            }
            io.name = "qrun-child-io"
            io.start()
        }

        /// Requests a teardown (SIGTERM, grace, SIGKILL). Safe to call from any
        /// thread, any number of times, before or after `start`.
        func cancel() {
            shared.withLock { state in
                state.cancelRequested = true
                wakeLocked(state)
            }
        }

        // MARK: Waiter thread

        private func waitForExit() {
            var info = siginfo_t()
            var vanished = false
            while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) != 0 {
                if errno != EINTR {
                    vanished = true
                    break
                }
            }
            shared.withLock { state in
                if vanished {
                    state.leaderVanished = true
                } else {
                    state.leaderExited = true
                }
                wakeLocked(state)
            }
        }

        /// Writes one byte to the wake-up pipe unless it is closed. Must be
        /// called with the lock held so that the I/O thread cannot close the
        /// descriptor concurrently. The pipe is non-blocking; a full pipe
        /// already guarantees a wake-up, so `EAGAIN` is ignored.
        func wakeLocked(_ state: Shared) {
            guard !state.wakeClosed else { return }
            var byte: UInt8 = 1
            _ = write(child.wakeWriteFD, &byte, 1)
        }

        /// Milliseconds until `deadline`, rounded up so that `poll` does not
        /// wake just before it and spin; clamped to `Int32`.
        static func pollMilliseconds(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Int32 {
            let remaining = deadline - now
            guard remaining > .zero else { return 0 }
            let (seconds, attoseconds) = remaining.components
            guard seconds < Int64(Int32.max / 1000) else { return Int32.max }
            let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
            return Int32(clamping: milliseconds)
        }
    }
}
