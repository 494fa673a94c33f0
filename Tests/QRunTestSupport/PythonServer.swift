import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fake provider (or any helper server) written in Python under `Tests/Fixtures`, started on
/// 127.0.0.1 with a free port. The script prints `PORT <n>` when it is ready.
public final class PythonServer: Sendable {
    private let process: RunningProcess
    public let port: Int

    /// Starts `Tests/Fixtures/<script>` with `args`.
    public init(_ script: String, _ args: [String] = [], env: [String: String] = [:]) throws {
        var environment = ["PATH": ToolPath.value]
        for (k, v) in env { environment[k] = v }
        process = try RunningProcess(executable: "/usr/bin/env", arguments: ["python3", Fixtures.path(script)] + args,
                                     environment: environment, cwd: nil, stdin: nil)
        let deadline = Date().addingTimeInterval(20)
        var port: Int?
        while Date() < deadline, process.isRunning {
            if let line = process.stdoutSoFar.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) {
                port = Int(line.dropFirst(5))
                break
            }
            usleep(20_000)
        }
        guard let port else {
            process.signal(SIGKILL)
            throw TestFailure("\(script) did not start: \(process.wait(timeout: 1).stderr)")
        }
        self.port = port
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// GET a JSON document from the server (e.g. a fake's `/_fake/state`).
    public func getJSON(_ path: String) throws -> Any {
        let data = try Data(contentsOf: URL(string: baseURL + path)!)
        return try JSONSerialization.jsonObject(with: data)
    }

    /// POST (empty body) to a control path (e.g. `/_fake/reset`).
    public func post(_ path: String) throws {
        _ = try python("import urllib.request,sys; urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'', method='POST'))", [baseURL + path])
    }

    public func stop() {
        process.signal(SIGKILL)
        _ = process.wait(timeout: 5)
    }

    deinit { process.signal(SIGKILL) }
}
