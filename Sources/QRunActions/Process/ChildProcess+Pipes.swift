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
        private struct Shared {
            var cancelRequested = false
            var leaderExited = false
            /// `waitid` failed with `ECHILD`: someone else reaped the child.
            /// The pid may already be reused, so no more signals are sent.
            var leaderVanished = false
            /// The wake-up pipe is closed; nobody may write to it any more
            /// (the descriptor number could already belong to something else).
            var wakeClosed = false
        }

        private let child: SpawnedChild
        private let request: ChildProcessRequest
        private let startInstant: ContinuousClock.Instant
        private let shared = Mutex(Shared())

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
        private func wakeLocked(_ state: Shared) {
            guard !state.wakeClosed else { return }
            var byte: UInt8 = 1
            _ = write(child.wakeWriteFD, &byte, 1)
        }

        // MARK: I/O thread

        private func superviseIO() -> ChildResult {
            // SIGPIPE raised by a write on this thread (child closed its stdin)
            // is thread-directed; blocked here it stays pending on this thread
            // and is discarded when the thread exits. The write fails with
            // EPIPE instead, and the process-wide disposition is not touched.
            var blockPipe = sigset_t()
            sigemptyset(&blockPipe)
            sigaddset(&blockPipe, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &blockPipe, nil)

            let clock = ContinuousClock()
            let pid = child.pid
            let grace = request.terminationGrace
            let chunkSize = 64 * 1024
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
            defer { buffer.deallocate() }

            var stdout = CappedOutput(limit: request.outputLimit)
            var stderr = CappedOutput(limit: request.outputLimit)
            var stdoutFD = child.stdoutFD
            var stderrFD = child.stderrFD
            var stdinFD = child.stdinFD
            let input = request.stdin ?? Data()
            var inputOffset = 0
            if stdinFD >= 0, input.isEmpty {
                close(stdinFD)
                stdinFD = -1
            }

            let timeoutDeadline = request.timeout.map { startInstant + $0 }
            var killDeadline: ContinuousClock.Instant?
            var drainDeadline: ContinuousClock.Instant?
            var terminating = false
            var timedOut = false
            var cancelled = false
            var reaped = false
            var waitStatus: Int32?

            func beginTermination(_ now: ContinuousClock.Instant) {
                guard !terminating else { return }
                terminating = true
                kill(-pid, SIGTERM)
                killDeadline = now + grace
            }

            /// Reads what is available from `fd` into `output`. Returns false
            /// at end of file or on a hard error. `maxReads` bounds the work so
            /// that a fast writer cannot starve the timers.
            func pump(_ fd: Int32, into output: inout CappedOutput, maxReads: Int) -> Bool {
                for _ in 0..<maxReads {
                    let count = read(fd, buffer, chunkSize)
                    if count > 0 {
                        output.append(UnsafeRawBufferPointer(start: buffer, count: count))
                        continue
                    }
                    if count == 0 { return false }
                    switch errno {
                    case EINTR: continue
                    case EAGAIN: return true
                    default: return false
                    }
                }
                return true
            }

            func closeInput() {
                if stdinFD >= 0 {
                    close(stdinFD)
                    stdinFD = -1
                }
            }

            while true {
                let state = shared.withLock { $0 }
                var now = clock.now

                if !reaped, state.leaderExited || state.leaderVanished {
                    if state.leaderExited {
                        // The child is a zombie: its pid and group id are still
                        // reserved, so signalling the group is safe right now.
                        if request.killProcessGroupOnExit || terminating {
                            kill(-pid, SIGKILL)
                        }
                        var status: Int32 = 0
                        var result: pid_t
                        repeat {
                            result = waitpid(pid, &status, 0)
                        } while result < 0 && errno == EINTR
                        if result == pid { waitStatus = status }
                    }
                    reaped = true
                    now = clock.now
                    drainDeadline = now + grace
                    closeInput()
                }
                if state.cancelRequested, !cancelled {
                    if !reaped {
                        cancelled = true
                        beginTermination(now)
                    } else {
                        // The child already finished; stop waiting for
                        // descendants that still hold the pipes.
                        drainDeadline = now
                    }
                }
                if !reaped, !terminating, let deadline = timeoutDeadline, now >= deadline {
                    timedOut = true
                    beginTermination(now)
                }
                if !reaped, let deadline = killDeadline, now >= deadline {
                    kill(-pid, SIGKILL)
                    killDeadline = nil
                }
                if reaped, stdoutFD < 0, stderrFD < 0 {
                    break
                }
                if reaped, let deadline = drainDeadline, now >= deadline {
                    // Take what is already buffered, bounded, then give up on
                    // descendants that keep the pipes open.
                    if stdoutFD >= 0 { _ = pump(stdoutFD, into: &stdout, maxReads: 256) }
                    if stderrFD >= 0 { _ = pump(stderrFD, into: &stderr, maxReads: 256) }
                    break
                }

                var nextDeadline: ContinuousClock.Instant?
                func consider(_ deadline: ContinuousClock.Instant?) {
                    guard let deadline else { return }
                    if let current = nextDeadline, current <= deadline { return }
                    nextDeadline = deadline
                }
                if !reaped {
                    if !terminating { consider(timeoutDeadline) }
                    consider(killDeadline)
                } else {
                    consider(drainDeadline)
                }

                var fds: [pollfd] = [pollfd(fd: child.wakeReadFD, events: Int16(POLLIN), revents: 0)]
                let stdoutIndex = stdoutFD >= 0 ? fds.count : -1
                if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
                let stderrIndex = stderrFD >= 0 ? fds.count : -1
                if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
                let stdinIndex = stdinFD >= 0 ? fds.count : -1
                if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }

                let timeout = nextDeadline.map { Self.pollMilliseconds(until: $0, now: now) } ?? -1
                let ready = poll(&fds, nfds_t(fds.count), timeout)
                if ready < 0 {
                    // EINTR; anything else cannot happen with valid descriptors,
                    // and the loop re-evaluates all state either way.
                    continue
                }
                if ready == 0 { continue }

                if fds[0].revents != 0 {
                    var sink: UInt8 = 0
                    while read(child.wakeReadFD, &sink, 1) > 0 {}
                }
                let attention = Int16(POLLIN | POLLHUP | POLLERR | POLLNVAL)
                if stdoutIndex >= 0, fds[stdoutIndex].revents & attention != 0 {
                    if !pump(stdoutFD, into: &stdout, maxReads: 16) {
                        close(stdoutFD)
                        stdoutFD = -1
                    }
                }
                if stderrIndex >= 0, fds[stderrIndex].revents & attention != 0 {
                    if !pump(stderrFD, into: &stderr, maxReads: 16) {
                        close(stderrFD)
                        stderrFD = -1
                    }
                }
                if stdinIndex >= 0, fds[stdinIndex].revents != 0 {
                    let remaining = input.count - inputOffset
                    let written = input.withUnsafeBytes { bytes in
                        write(stdinFD, bytes.baseAddress! + inputOffset, min(remaining, chunkSize))
                    }
                    if written > 0 {
                        inputOffset += written
                        if inputOffset >= input.count { closeInput() }
                    } else if written < 0, errno != EAGAIN, errno != EINTR {
                        // EPIPE: the child closed its stdin or exited. Not an
                        // error of the run; the rest of the input is dropped.
                        closeInput()
                    }
                }
            }

            closeInput()
            if stdoutFD >= 0 { close(stdoutFD) }
            if stderrFD >= 0 { close(stderrFD) }
            shared.withLock { state in
                state.wakeClosed = true
                close(child.wakeWriteFD)
            }
            close(child.wakeReadFD)

            var exitCode: Int32?
            var signal: Int32?
            if let status = waitStatus {
                let low = status & 0x7f
                if low == 0 {
                    exitCode = (status >> 8) & 0xff
                } else if low != 0x7f {
                    signal = low
                }
            }
            return ChildResult(
                exitCode: exitCode,
                signal: signal,
                stdout: stdout.data,
                stderr: stderr.data,
                stdoutTruncated: stdout.truncated,
                stderrTruncated: stderr.truncated,
                timedOut: timedOut,
                cancelled: cancelled,
                duration: clock.now - startInstant
            )
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

/// Keeps the first `limit` bytes of a stream and remembers whether more came.
private struct CappedOutput {
    let limit: Int
    private(set) var data = Data()
    private(set) var truncated = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let room = limit - data.count
        if bytes.count > room {
            truncated = true
        }
        let kept = min(room, bytes.count)
        if kept > 0 {
            data.append(bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: kept)
        }
    }
}
