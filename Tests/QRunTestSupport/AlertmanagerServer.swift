import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real Prometheus Alertmanager (Debian `prometheus-alertmanager`, 0.25) on 127.0.0.1 with a
/// free port, its configuration and storage in a temporary directory, without a cluster listener
/// (`--cluster.listen-address=` empty, so no gossip port opens on any interface).
///
/// Files given in `files` are written beside the configuration (mode 0600), so a relative
/// `credentials_file` in it resolves to them. Stop it with ``stop()``: only the process it
/// started is signalled, and the directory is removed.
public final class AlertmanagerServer: Sendable {
    private let process: RunningProcess
    /// The port it listens on.
    public let port: Int
    /// The directory holding `alertmanager.yml`, the extra files and `data/`.
    public let directory: String

    /// Whether the Debian package is installed.
    public static var isAvailable: Bool { PrometheusTools.isInstalled("prometheus-alertmanager") }

    /// Starts Alertmanager with `config` (YAML text) and waits until `/-/ready` answers.
    public init(config: String, files: [String: String] = [:]) async throws {
        let dir = try PrometheusTools.temporaryDirectory("alertmanager")
        try config.write(toFile: dir + "/alertmanager.yml", atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir + "/" + name)
        }
        let port = try MotoServer.freePort()
        let base = "http://127.0.0.1:\(port)"
        do {
            process = try await PrometheusTools.startReady(
                "prometheus-alertmanager",
                ["--config.file=\(dir)/alertmanager.yml", "--storage.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(port)",
                 "--cluster.listen-address=", "--web.external-url=\(base)", "--log.level=warn"],
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

    /// Posts alerts through `POST /api/v2/alerts` (each `{"labels": …, "annotations": …,
    /// "startsAt"/"endsAt": RFC 3339}`); a past `endsAt` resolves an alert.
    public func post(alerts: [[String: Any]]) async throws {
        let (status, body) = try await FakeHTTP.send("POST", baseURL + "/api/v2/alerts", json: alerts)
        guard status == 200 else { throw TestFailure("Alertmanager refused the alerts (\(status)): \(String(describing: body))") }
    }

    /// Stops Alertmanager and removes its directory.
    public func stop() {
        PrometheusTools.stop(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { if process.isRunning { process.signal(SIGKILL) } }
}
