import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Starting the Debian Prometheus binaries (`prometheus`, `prometheus-alertmanager`) and running
/// their check tools (`promtool`, `amtool`), shared by ``PrometheusServer`` and ``AlertmanagerServer``.
public enum PrometheusTools {
    /// Whether `/usr/bin/<name>` is installed (Debian `prometheus` ships `prometheus` and
    /// `promtool`; `prometheus-alertmanager` ships it and `amtool`).
    public static func isInstalled(_ name: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/" + name)
    }

    /// Runs `/usr/bin/<tool> args…` in `cwd`, with `stdin` as its input, to completion (killed after 60 s).
    public static func run(_ tool: String, _ args: [String], cwd: String? = nil, stdin: String? = nil) throws -> ProcessOutput {
        let p = try RunningProcess(executable: "/usr/bin/" + tool, arguments: args, environment: ["PATH": "/usr/bin:/bin"],
                                   cwd: cwd, stdin: stdin)
        return p.wait(timeout: 60)
    }

    /// A fresh 0700 temporary directory named after `label`.
    static func temporaryDirectory(_ label: String) throws -> String {
        let path = NSTemporaryDirectory() + "qrun-\(label)-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return path
    }

    /// Starts `/usr/bin/<executable>` and waits until `GET <baseURL>/-/ready` answers 200; on
    /// failure kills exactly that process and throws with the end of its stderr.
    static func startReady(_ executable: String, _ args: [String], baseURL: String, cwd: String) async throws -> RunningProcess {
        let process = try RunningProcess(executable: "/usr/bin/" + executable, arguments: args,
                                         environment: ["PATH": "/usr/bin:/bin"], cwd: cwd, stdin: nil)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, process.isRunning {
            if let (status, _) = try? await FakeHTTP.send("GET", baseURL + "/-/ready"), status == 200 { return process }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.signal(SIGKILL)
        let out = process.wait(timeout: 5)
        throw TestFailure("\(executable) did not become ready at \(baseURL): \(out.stderr.suffix(800))")
    }

    /// Stops a process started by ``startReady(_:_:baseURL:cwd:)``: SIGTERM, then SIGKILL after 10 s.
    static func stop(_ process: RunningProcess) {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        _ = process.wait(timeout: 10)
    }
}
