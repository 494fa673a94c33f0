import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Python receiving side of `Tests/Fixtures/effect_server.py`, on 127.0.0.1 and a free port.
public final class EffectServer: Sendable {
    private let server: PythonServer

    public init() throws {
        server = try PythonServer("effect_server.py")
    }

    public var port: Int { server.port }

    public var baseURL: String { server.baseURL }

    /// Per-key counters.
    public struct Stats: Sendable {
        public var keys: [String: (requests: Int, effects: Int, paths: [String])]
        public var requests: Int
        public var unkeyed: Int
    }

    public func stats() throws -> Stats {
        let data = try Data(contentsOf: URL(string: "\(baseURL)/stats")!)
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw TestFailure("bad stats") }
        var keys: [String: (Int, Int, [String])] = [:]
        for (k, v) in (o["keys"] as? [String: [String: Any]]) ?? [:] {
            keys[k] = ((v["requests"] as? Int) ?? 0, (v["effects"] as? Int) ?? 0, (v["paths"] as? [String]) ?? [])
        }
        return Stats(keys: keys, requests: (o["requests"] as? Int) ?? 0, unkeyed: (o["unkeyed"] as? Int) ?? 0)
    }

    public func stop() {
        server.stop()
    }
}

/// Runs a Python snippet (used to edit SQLite files in tamper tests, as an attacker would).
public func python(_ code: String, _ args: [String] = []) throws -> ProcessOutput {
    let p = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", "-c", code] + args,
                               environment: ["PATH": ToolPath.value], cwd: nil, stdin: nil)
    return p.wait(timeout: 60)
}
