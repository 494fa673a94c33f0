import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension ChildProcess.Supervisor {
    /// The I/O thread: pumps stdin, stdout and stderr, enforces the timeout
    /// and cancellation, sends every signal, reaps the child and builds the result.

    func superviseIO() -> ChildResult {
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
                    waitStatus = Self.reap(pid)
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

        releaseDescriptors([stdinFD, stdoutFD, stderrFD])
        let (exitCode, signal) = Self.exitStatus(waitStatus)
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
}
