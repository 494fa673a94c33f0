import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished `qrun` process left.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var killedBySignal: Bool

    /// stdout parsed as one JSON object.
    public func json() throws -> [String: Any] {
        guard let o = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestFailure("stdout is not a JSON object: \(stdout.prefix(500))")
        }
        return o
    }

    /// Non-empty stdout lines parsed as JSON objects.
    public func jsonLines() -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

/// An error raised by test helpers.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// Runs the built `qrun` binary, as a user would.
public enum QRun {
    /// The binary next to the test bundle (or `$QRUN_BIN`).
    public static var binary: String {
        if let b = ProcessInfo.processInfo.environment["QRUN_BIN"] { return b }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("qrun").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return FileManager.default.currentDirectoryPath + "/.build/debug/qrun"
    }

    /// A small, explicit environment (nothing of the test runner's own, so canaries are controlled).
    public static func environment(home: String, extra: [String: String] = [:]) -> [String: String] {
        var env = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"]
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// The Unix user the tests run as: qrun's identity at the terminal (`cli:NAME`).
    public static var unixUser: String {
        let uid = geteuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid:\(uid)"
    }

    /// Starts qrun; the caller waits or kills.
    public static func start(_ args: [String], home: String, env extra: [String: String] = [:], stdin: String? = nil) throws -> RunningProcess {
        try RunningProcess(executable: binary, arguments: args, environment: environment(home: home, extra: extra), cwd: home, stdin: stdin)
    }

    /// Runs qrun to completion (killed after `timeout`).
    public static func run(_ args: [String], home: String, env extra: [String: String] = [:], stdin: String? = nil,
                           timeout: TimeInterval = 120) throws -> ProcessOutput {
        let p = try start(args, home: home, env: extra, stdin: stdin)
        return p.wait(timeout: timeout)
    }
}
