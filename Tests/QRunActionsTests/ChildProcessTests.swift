import Foundation
import Testing

@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

/// Real-process tests for `ChildProcess`. Shell scripts are used here only as
/// convenient children; the runner itself never involves a shell.
@Suite("ChildProcess", .timeLimit(.minutes(1)))
struct ChildProcessTests {
    static let searchPath = "/usr/bin:/bin"

    /// A `/bin/sh -c script` request with a minimal environment.
    func shell(
        _ script: String,
        stdin: Data? = nil,
        timeout: Duration? = .seconds(60),
        grace: Duration = .seconds(5),
        outputLimit: Int = ChildProcessRequest.defaultOutputLimit,
        killGroup: Bool = true
    ) -> ChildProcessRequest {
        ChildProcessRequest(
            executable: "/bin/sh",
            arguments: ["-c", script],
            environment: ["PATH": Self.searchPath],
            stdin: stdin,
            timeout: timeout,
            terminationGrace: grace,
            outputLimit: outputLimit,
            killProcessGroupOnExit: killGroup
        )
    }

    func text(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self)
    }

    /// The error thrown by `run`, or `nil` if it returned.
    func startError(_ request: ChildProcessRequest) async -> ChildProcessError? {
        do {
            _ = try await ChildProcess.run(request)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Exit status and output

    @Test func exitCodeIsAResultNotAnError() async throws {
        let result = try await ChildProcess.run(shell("exit 7"))
        #expect(result.exitCode == 7)
        #expect(result.signal == nil)
        #expect(result.timedOut == false)
        #expect(result.cancelled == false)
        #expect(result.succeeded == false)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.isEmpty)
    }

    @Test func successfulRun() async throws {
        let result = try await ChildProcess.run(shell("exit 0"))
        #expect(result.exitCode == 0)
        #expect(result.signal == nil)
        #expect(result.succeeded)
    }

    @Test func deathBySignalIsReported() async throws {
        let result = try await ChildProcess.run(shell("kill -USR1 $$; sleep 5"))
        #expect(result.exitCode == nil)
        #expect(result.signal == SIGUSR1)
        #expect(result.timedOut == false)
    }

    @Test func stdoutAndStderrAreCapturedSeparately() async throws {
        let result = try await ChildProcess.run(shell("printf 'out 1\\n'; printf 'err 1\\n' >&2; printf 'out 2'; exit 3"))
        #expect(text(result.stdout) == "out 1\nout 2")
        #expect(text(result.stderr) == "err 1\n")
        #expect(result.exitCode == 3)
        #expect(result.stdoutTruncated == false)
        #expect(result.stderrTruncated == false)
    }

    @Test func largeOutputOnBothStreamsIsCappedWithoutDeadlock() async throws {
        let fiveMiB = 5 * 1024 * 1024
        let script = """
            head -c \(fiveMiB) /dev/zero | tr '\\000' 'e' >&2 &
            head -c \(fiveMiB) /dev/zero | tr '\\000' 'o'
            wait
            """
        let result = try await ChildProcess.run(shell(script))
        #expect(result.exitCode == 0)
        #expect(result.timedOut == false)
        #expect(result.stdout == Data(repeating: UInt8(ascii: "o"), count: 1 << 20))
        #expect(result.stderr == Data(repeating: UInt8(ascii: "e"), count: 1 << 20))
        #expect(result.stdoutTruncated)
        #expect(result.stderrTruncated)
    }

    @Test func truncationFlagIsExactAtTheLimit() async throws {
        let exact = try await ChildProcess.run(shell("printf 0123456789; printf abcdefghij >&2", outputLimit: 10))
        #expect(text(exact.stdout) == "0123456789")
        #expect(text(exact.stderr) == "abcdefghij")
        #expect(exact.stdoutTruncated == false)
        #expect(exact.stderrTruncated == false)

        let over = try await ChildProcess.run(shell("printf 0123456789X; printf abcdefghijY >&2", outputLimit: 10))
        #expect(text(over.stdout) == "0123456789")
        #expect(text(over.stderr) == "abcdefghij")
        #expect(over.stdoutTruncated)
        #expect(over.stderrTruncated)

        let none = try await ChildProcess.run(shell("printf x; printf y >&2", outputLimit: 0))
        #expect(none.stdout.isEmpty)
        #expect(none.stderr.isEmpty)
        #expect(none.stdoutTruncated)
        #expect(none.stderrTruncated)
    }

    // MARK: Standard input

    @Test func stdinIsDeliveredAndClosed() async throws {
        let result = try await ChildProcess.run(shell("cat; echo end", stdin: Data("hello\nworld\n".utf8)))
        #expect(text(result.stdout) == "hello\nworld\nend\n")
        #expect(result.exitCode == 0)
    }

    @Test func largeStdinRoundTripsWhileOutputIsRead() async throws {
        let size = 3 * 1024 * 1024
        let input = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        let result = try await ChildProcess.run(shell("cat", stdin: input, outputLimit: 4 * 1024 * 1024))
        #expect(result.exitCode == 0)
        #expect(result.stdout.count == size)
        #expect(result.stdout == input)
        #expect(result.stdoutTruncated == false)
    }

    @Test func emptyAndMissingStdinGiveEndOfFile() async throws {
        let empty = try await ChildProcess.run(shell("cat; echo done", stdin: Data()))
        #expect(text(empty.stdout) == "done\n")
        let missing = try await ChildProcess.run(shell("cat; echo done", stdin: nil))
        #expect(text(missing.stdout) == "done\n")
    }

    @Test func childThatIgnoresStdinDoesNotKillTheParent() async throws {
        // Make SIGPIPE fatal for this process during the test, so that a
        // SIGPIPE escaping the runner would really kill the test process.
        let previous = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, previous) }

        let input = Data(repeating: 0x41, count: 8 * 1024 * 1024)
        let exited = try await ChildProcess.run(shell("exit 3", stdin: input))
        #expect(exited.exitCode == 3)

        let partial = try await ChildProcess.run(shell("head -c 5; exit 4", stdin: input))
        #expect(text(partial.stdout) == "AAAAA")
        #expect(partial.exitCode == 4)

        let closed = try await ChildProcess.run(shell("exec 0<&-; sleep 0.2; echo alive", stdin: input))
        #expect(text(closed.stdout) == "alive\n")
        #expect(closed.exitCode == 0)
    }

    // MARK: Environment and executable lookup

    @Test func environmentIsExactlyTheGivenDictionary() async throws {
        let request = ChildProcessRequest(
            executable: "/usr/bin/env",
            environment: ["FOO": "bar", "A_VAR": "1 2", "EMPTY": "", "UNICODE": "é=ü"]
        )
        let result = try await ChildProcess.run(request)
        #expect(result.exitCode == 0)
        #expect(text(result.stdout) == "A_VAR=1 2\nEMPTY=\nFOO=bar\nUNICODE=é=ü\n")

        let bare = try await ChildProcess.run(ChildProcessRequest(executable: "/usr/bin/env"))
        #expect(bare.exitCode == 0)
        #expect(text(bare.stdout) == "")
    }

    @Test func executableIsFoundInTheChildsPath() async throws {
        let request = ChildProcessRequest(
            executable: "env",
            environment: ["PATH": Self.searchPath, "X": "y"]
        )
        let result = try await ChildProcess.run(request)
        #expect(result.exitCode == 0)
        #expect(text(result.stdout) == "PATH=/usr/bin:/bin\nX=y\n")
    }

    @Test func pathLookupSkipsMissingAndRelativeEntries() async throws {
        let directory = try TemporaryDirectory()
        let tool = directory.path + "/qrun-probe-tool"
        try "#!/bin/sh\necho probe \"$@\"\n".write(toFile: tool, atomically: true, encoding: .utf8)
        #expect(chmod(tool, 0o755) == 0)

        let found = try await ChildProcess.run(ChildProcessRequest(
            executable: "qrun-probe-tool",
            arguments: ["a b", "c"],
            environment: ["PATH": "::relative/dir:/nonexistent-qrun:\(directory.path)"],
            workingDirectory: directory.path
        ))
        #expect(text(found.stdout) == "probe a b c\n")

        // A relative entry is never searched, even when it would match in the
        // working directory.
        let error = await startError(ChildProcessRequest(
            executable: "qrun-probe-tool",
            environment: ["PATH": ".:/nonexistent-qrun"],
            workingDirectory: directory.path
        ))
        #expect(error?.code == .executableNotFound)
    }

    @Test func missingExecutableInPathIsAClearError() async throws {
        let request = ChildProcessRequest(
            executable: "qrun-definitely-missing-tool",
            arguments: ["--token=s3cr3t-arg"],
            environment: ["PATH": Self.searchPath, "TOKEN": "s3cr3t-env"]
        )
        let error = try #require(await startError(request))
        #expect(error.code == .executableNotFound)
        #expect(error.description == "executable 'qrun-definitely-missing-tool' not found in PATH=/usr/bin:/bin")

        let noPath = try #require(await startError(ChildProcessRequest(executable: "env")))
        #expect(noPath.code == .executableNotFound)
        #expect(noPath.description == "executable 'env' not found: the child environment has no PATH")
    }

    @Test func startErrorsNeverContainArgumentsOrEnvironmentValues() async throws {
        let secrets = ["s3cr3t-arg", "s3cr3t-env"]
        let directory = try TemporaryDirectory()
        let notExecutable = directory.path + "/plain-file"
        try "data".write(toFile: notExecutable, atomically: true, encoding: .utf8)

        let requests: [(ChildProcessRequest, ChildProcessError.Code)] = [
            (ChildProcessRequest(
                executable: "/nonexistent-qrun/tool",
                arguments: ["--token=s3cr3t-arg"],
                environment: ["TOKEN": "s3cr3t-env"]
            ), .executableNotFound),
            (ChildProcessRequest(
                executable: notExecutable,
                arguments: ["s3cr3t-arg"],
                environment: ["TOKEN": "s3cr3t-env"]
            ), .permissionDenied),
            (ChildProcessRequest(
                executable: "/bin/sh",
                arguments: ["-c", "true", "s3cr3t-arg\u{0}"],
                environment: ["TOKEN": "s3cr3t-env"]
            ), .invalidRequest),
            (ChildProcessRequest(
                executable: "/bin/sh",
                arguments: ["s3cr3t-arg"],
                environment: ["TOKEN": "s3cr3t-env\u{0}"]
            ), .invalidRequest),
            (ChildProcessRequest(
                executable: "/bin/sh",
                arguments: ["s3cr3t-arg"],
                environment: ["BAD=NAME": "s3cr3t-env"]
            ), .invalidRequest),
            (ChildProcessRequest(
                executable: "/bin/sh",
                arguments: ["s3cr3t-arg"],
                environment: ["TOKEN": "s3cr3t-env"],
                workingDirectory: "/nonexistent-qrun/dir"
            ), .workingDirectoryUnavailable),
            (ChildProcessRequest(
                executable: "/tmp",
                arguments: ["s3cr3t-arg"],
                environment: ["TOKEN": "s3cr3t-env"]
            ), .permissionDenied),
        ]
        for (request, expectedCode) in requests {
            let error = try #require(await startError(request))
            #expect(error.code == expectedCode, "\(error.description)")
            for secret in secrets {
                #expect(!error.description.contains(secret))
            }
        }
        let missing = try #require(await startError(requests[0].0))
        #expect(missing.description.contains("'/nonexistent-qrun/tool'"))
    }

    // MARK: Working directory, session, descriptors, signals

    @Test func workingDirectoryIsApplied() async throws {
        let directory = try TemporaryDirectory()
        let result = try await ChildProcess.run(ChildProcessRequest(
            executable: "/bin/pwd",
            arguments: ["-P"],
            workingDirectory: directory.path
        ))
        #expect(result.exitCode == 0)
        #expect(text(result.stdout) == directory.resolvedPath + "\n")
    }

    @Test func childLeadsItsOwnSessionAndProcessGroup() async throws {
        let result = try await ChildProcess.run(shell("cut -d' ' -f1,5,6 /proc/$$/stat"))
        let fields = text(result.stdout).split(separator: " ").map {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(fields.count == 3)
        let pid = try #require(fields.first ?? nil)
        #expect(fields == [pid, pid, pid])  // pid == pgid == sid
        #expect(pid != getpid())
        #expect(pid != getsid(0))
    }

    @Test func onlyStandardDescriptorsAreInherited() async throws {
        // A descriptor opened without O_CLOEXEC must still not reach the child.
        let leaky = open("/dev/null", O_RDONLY)
        #expect(leaky > 2)
        defer { close(leaky) }
        let result = try await ChildProcess.run(shell("ls /proc/$$/fd"))
        #expect(text(result.stdout) == "0\n1\n2\n")
    }

    @Test func signalMaskAndDispositionsAreReset() async throws {
        // An ignored disposition survives exec unless the runner resets it.
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        // The child itself reads its own status (no shell in between, since a
        // shell blocks signals briefly around fork and wait).
        let result = try await ChildProcess.run(ChildProcessRequest(
            executable: "grep",
            arguments: ["-E", "^Sig(Blk|Ign)", "/proc/self/status"],
            environment: ["PATH": Self.searchPath]
        ))
        let lines = text(result.stdout).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first == "SigBlk:\t0000000000000000")
        let ignored = try #require(lines.last.flatMap { UInt64($0.dropFirst("SigIgn:\t".count), radix: 16) })
        // glibc's posix_spawn sets its two internal signals (32 and 33, bits
        // 31 and 32) to SIG_IGN in every child; nothing else may be ignored.
        let glibcInternal: UInt64 = (1 << 31) | (1 << 32)
        #expect(ignored & ~glibcInternal == 0)
        #expect(ignored & (1 << UInt64(SIGUSR2 - 1)) == 0)
        #expect(ignored & (1 << UInt64(SIGPIPE - 1)) == 0)
    }

    // MARK: Timeout and teardown

    @Test func timeoutSendsTermToTheGroup() async throws {
        let result = try await ChildProcess.run(shell("exec sleep 30", timeout: .milliseconds(300)))
        #expect(result.timedOut)
        #expect(result.cancelled == false)
        #expect(result.signal == SIGTERM)
        #expect(result.exitCode == nil)
        #expect(result.duration >= .milliseconds(300))
        #expect(result.duration < .milliseconds(300) + .seconds(30), "bounded, not timed: a hang would exceed this by far")
    }

    @Test func childIgnoringTermIsKilledAfterTheGrace() async throws {
        let script = "trap '' TERM; echo ready; i=0; while [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done"
        let result = try await ChildProcess.run(shell(script, timeout: .milliseconds(1500), grace: .seconds(1)))
        #expect(text(result.stdout) == "ready\n")
        #expect(result.timedOut)
        #expect(result.signal == SIGKILL)
        #expect(result.exitCode == nil)
        #expect(result.duration >= .milliseconds(2500))
        #expect(result.duration < .milliseconds(2500) + .seconds(30), "bounded, not timed")
    }

    @Test func outputBeforeTimeoutIsKept() async throws {
        let result = try await ChildProcess.run(shell("echo partial; echo oops >&2; exec sleep 30", timeout: .milliseconds(300)))
        #expect(result.timedOut)
        #expect(text(result.stdout) == "partial\n")
        #expect(text(result.stderr) == "oops\n")
    }

    @Test func backgroundGrandchildIsKilledWithTheGroup() async throws {
        let result = try await ChildProcess.run(shell("sleep 120 >/dev/null 2>&1 & echo $!"))
        #expect(result.exitCode == 0)
        let grandchild = try #require(pid_t(text(result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessProbe.becomesDead(grandchild))
    }

    @Test func grandchildHoldingStdoutDoesNotBlockTheResult() async throws {
        // The grandchild inherits stdout; only killing the group ends the pipe.
        let result = try await ChildProcess.run(shell("sleep 120 & echo $!"))
        #expect(result.exitCode == 0)
        #expect(result.duration < .seconds(30), "bounded, not timed")
        let grandchild = try #require(pid_t(text(result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(await ProcessProbe.becomesDead(grandchild))
    }

    @Test func groupSurvivesWhenKillOnExitIsOff() async throws {
        let result = try await ChildProcess.run(shell("sleep 120 >/dev/null 2>&1 & echo $!", killGroup: false))
        #expect(result.exitCode == 0)
        let grandchild = try #require(pid_t(text(result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(grandchild, SIGKILL) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(ProcessProbe.isDead(grandchild) == false)
        kill(grandchild, SIGKILL)
        #expect(await ProcessProbe.becomesDead(grandchild))
    }

    @Test func survivingDescendantHoldingStdoutIsBoundedByTheGrace() async throws {
        let result = try await ChildProcess.run(shell("sleep 120 & echo $!", grace: .milliseconds(500), killGroup: false))
        let grandchild = try #require(pid_t(text(result.stdout).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { kill(grandchild, SIGKILL) }
        #expect(result.exitCode == 0)
        #expect(result.duration >= .milliseconds(500))
        #expect(result.duration < .milliseconds(500) + .seconds(30), "bounded, not timed")
        #expect(ProcessProbe.isDead(grandchild) == false)
    }

    // MARK: Cancellation

    @Test func cancellingTheTaskTearsTheChildDown() async throws {
        let directory = try TemporaryDirectory()
        let pidFile = directory.path + "/pid"
        let request = shell("sleep 120 >/dev/null 2>&1 & echo $! > '\(pidFile).tmp'; mv '\(pidFile).tmp' '\(pidFile)'; exec sleep 120")
        let task = Task { try await ChildProcess.run(request) }

        let grandchild = try #require(await ProcessProbe.readPID(from: pidFile))
        task.cancel()
        let result = try await task.value
        #expect(result.cancelled)
        #expect(result.timedOut == false)
        #expect(result.signal == SIGTERM)
        #expect(result.duration < .seconds(30), "bounded, not timed")
        #expect(await ProcessProbe.becomesDead(grandchild))
    }

    @Test func cancellingATermIgnoringChildEscalatesToKill() async throws {
        let directory = try TemporaryDirectory()
        let readyFile = directory.path + "/ready"
        let request = shell("trap '' TERM; touch '\(readyFile)'; i=0; while [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done", grace: .milliseconds(500))
        let task = Task { try await ChildProcess.run(request) }
        #expect(await ProcessProbe.waitForFile(readyFile))
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = try await task.value
        let teardown = ContinuousClock.now - cancelledAt
        #expect(result.cancelled)
        #expect(result.signal == SIGKILL)
        #expect(teardown >= .milliseconds(500))
        #expect(teardown < .milliseconds(500) + .seconds(30), "bounded, not timed: the child sleeps 60 s, so escalation happened")
    }

    @Test func alreadyCancelledTaskStartsNothing() async throws {
        let task = Task { () async -> ChildProcessError? in
            withUnsafeCurrentTask { $0?.cancel() }
            return await startError(shell("exit 0"))
        }
        let error = await task.value
        #expect(error?.code == .cancelled)
    }

    // MARK: Concurrency

    @Test func manyChildrenRunConcurrently() async throws {
        let outputs = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<16 {
                group.addTask {
                    let result = try await ChildProcess.run(shell("echo child-\(index); echo e\(index) >&2; exit \(index)"))
                    #expect(result.exitCode == Int32(index))
                    #expect(text(result.stderr) == "e\(index)\n")
                    return (index, text(result.stdout))
                }
            }
            var collected: [Int: String] = [:]
            for try await (index, output) in group {
                collected[index] = output
            }
            return collected
        }
        #expect(outputs.count == 16)
        for index in 0..<16 {
            #expect(outputs[index] == "child-\(index)\n")
        }
    }
}

/// Helpers that look at processes from the outside.
enum ProcessProbe {
    /// `true` when `pid` no longer exists or is a zombie (state `Z`/`X`).
    /// PID 1 in this environment reaps orphans late, so a zombie counts as dead.
    static func isDead(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")")
        else {
            return kill(pid, 0) != 0 && errno == ESRCH
        }
        let state = stat[stat.index(after: nameEnd)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }

    /// Waits up to `limit` for `pid` to die.
    static func becomesDead(_ pid: pid_t, within limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if isDead(pid) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return isDead(pid)
    }

    /// Waits up to `limit` for `path` to exist.
    static func waitForFile(_ path: String, within limit: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if access(path, F_OK) == 0 { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return access(path, F_OK) == 0
    }

    /// Waits for `path` to appear and parses the pid in it.
    static func readPID(from path: String) async -> pid_t? {
        guard await waitForFile(path),
              let content = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            return nil
        }
        return pid_t(content.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// A fresh directory under the system temporary directory, removed on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/qrun-child-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: created)
    }

    /// The path with symlinks resolved, as `pwd -P` prints it.
    var resolvedPath: String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
