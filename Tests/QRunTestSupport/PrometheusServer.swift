import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus (Debian `prometheus`, 2.42) on 127.0.0.1 with a free port, its
/// configuration, rule files and TSDB in a temporary directory.
///
/// Started with `--rules.alert.resend-delay=1s`: with the default (1m) the first alerts are
/// dropped before Alertmanager discovery settles and reach it only a minute later. Stop it with
/// ``stop()``: only the process it started is signalled, and the directory is removed.
public final class PrometheusServer: Sendable {
    private let process: RunningProcess
    /// The port it listens on.
    public let port: Int
    /// The directory holding `prometheus.yml`, the rule files and `data/`.
    public let directory: String

    /// Whether the Debian package is installed.
    public static var isAvailable: Bool { PrometheusTools.isInstalled("prometheus") }

    /// Starts Prometheus with `config` (YAML text; `rule_files` relative to its directory, where
    /// `files` — name → text — are written) and waits until `/-/ready` answers.
    public init(config: String, files: [String: String] = [:]) async throws {
        let dir = try PrometheusTools.temporaryDirectory("prometheus")
        try config.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let port = try MotoServer.freePort()
        let base = "http://127.0.0.1:\(port)"
        do {
            process = try await PrometheusTools.startReady(
                "prometheus",
                ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(port)",
                 "--web.external-url=\(base)", "--rules.alert.resend-delay=1s", "--log.level=warn"],
                baseURL: base, cwd: dir)
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
        self.port = port
        directory = dir
    }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The result of an instant PromQL query (`data.result` of `/api/v1/query`).
    public func query(_ promql: String) async throws -> [[String: Any]] {
        var components = URLComponents(string: baseURL + "/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let o = try await FakeHTTP.getObject(components.url!.absoluteString)
        guard let data = o["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw TestFailure("unexpected answer to the query \(promql): \(o)")
        }
        return result
    }

    /// The alerts Prometheus holds (`data.alerts` of `/api/v1/alerts`: labels, state, value).
    public func alerts() async throws -> [[String: Any]] {
        let o = try await FakeHTTP.getObject(baseURL + "/api/v1/alerts")
        return (o["data"] as? [String: Any])?["alerts"] as? [[String: Any]] ?? []
    }

    /// Stops Prometheus and removes its directory.
    public func stop() {
        PrometheusTools.stop(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { if process.isRunning { process.signal(SIGKILL) } }
}
