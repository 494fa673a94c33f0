import Foundation
import QRunCore
import QRunTestSupport
@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the sandbox.kill tests: real processes, read back through /proc independently
/// of the code under test, and cleaned up by pid.
enum SandboxFixture {
    static let action = SandboxKillAction()

    static func call(_ params: [String: Value], verb: ActionVerb = .apply) -> ActionCall {
        ActionCall(runID: "run-sbx", stepID: "kill", attempt: 1, idempotencyKey: "key-sbx", verb: verb, params: params,
                   timeout: nil, secrets: SecretResolver.standard(redactor: Redactor(), environment: [:], baseDirectory: "/tmp"),
                   log: { _ in })
    }

    /// The state letter of a pid, or nil when it does not exist.
    static func state(_ pid: Int32) -> Character? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").first?.first
    }

    /// Alive and not a zombie.
    static func alive(_ pid: Int32) -> Bool {
        guard let s = state(pid) else { return false }
        return s != "Z" && s != "X"
    }

    /// Waits until `condition` holds, up to `seconds`.
    static func waitFor(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    static func tempDir() -> String {
        let path = NSTemporaryDirectory() + "qrun-sbx-" + UUID().uuidString.prefix(8)
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts `argv` as a child of the test process (Foundation reaps it).
    static func start(_ argv: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// A running `tree.sh` with the pids it recorded, keyed by role.
    struct Tree {
        var process: Process
        var dir: String
        var pids: [String: Int32]

        var all: [Int32] { pids.values.sorted() }

        /// SIGKILL by pid whatever is still alive, then remove the directory.
        func cleanUp() {
            for pid in all where SandboxFixture.alive(pid) { kill(pid, SIGKILL) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    static func startTree(ignoreTerm: Bool = false) async throws -> Tree {
        let dir = tempDir()
        var argv = ["/bin/sh", Fixtures.path("sandbox/tree.sh"), dir]
        if ignoreTerm { argv.append("ignore-term") }
        let p = try start(argv)
        var roles = ["root", "child", "mid", "mid-child", "detached"]
        if ignoreTerm { roles.append("stubborn") }
        _ = await waitFor { roles.allSatisfy { FileManager.default.fileExists(atPath: dir + "/" + $0) } }
        var pids: [String: Int32] = [:]
        for r in roles {
            if let s = try? String(contentsOfFile: dir + "/" + r, encoding: .utf8), let pid = Int32(s.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pids[r] = pid
            }
        }
        return Tree(process: p, dir: dir, pids: pids)
    }

    static func ints(_ v: Value?) -> [Int32] {
        (v?.arrayValue ?? []).compactMap { $0.intValue }.map { Int32($0) }
    }
}
