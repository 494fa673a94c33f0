import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started by a test, with its output collected in the background.
public final class RunningProcess: Sendable {
    private let process: Process
    private let out = Mutex(Data())
    private let err = Mutex(Data())
    private let done = DispatchGroup()

    public init(executable: String, arguments: [String], environment: [String: String], cwd: String?, stdin: String?) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = environment
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let o = Pipe(), e = Pipe(), i = Pipe()
        p.standardOutput = o
        p.standardError = e
        p.standardInput = i
        process = p
        try p.run()
        if let stdin { i.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? i.fileHandleForWriting.close()
        drain(o.fileHandleForReading, stderr: false)
        drain(e.fileHandleForReading, stderr: true)
    }

    private func drain(_ handle: FileHandle, stderr: Bool) {
        done.enter()
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if stderr { err.withLock { $0.append(chunk) } } else { out.withLock { $0.append(chunk) } }
            }
            done.leave()
        }
    }

    public var pid: Int32 { process.processIdentifier }

    /// stdout so far.
    public var stdoutSoFar: String { out.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Sends a signal.
    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the exit (SIGKILL after `timeout`) and returns what it printed.
    public func wait(timeout: TimeInterval = 120) -> ProcessOutput {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 10)
        return ProcessOutput(status: process.terminationStatus,
                             stdout: out.withLock { String(decoding: $0, as: UTF8.self) },
                             stderr: err.withLock { String(decoding: $0, as: UTF8.self) },
                             killedBySignal: process.terminationReason == .uncaughtSignal)
    }

    /// Whether it is still running.
    public var isRunning: Bool { process.isRunning }
}
