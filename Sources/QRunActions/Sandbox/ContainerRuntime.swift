import Foundation
import QRunCore

/// One container as listed by `podman ps` / `docker ps`.
public struct ContainerInfo: Sendable, Hashable {
    /// The container id.
    public var id: String
    /// Its name(s), comma-separated as the CLI prints them.
    public var names: String
    /// The state word (`running`, `exited`, `created`, `paused`, …).
    public var state: String

    /// Whether processes of the container may still run.
    public var isRunning: Bool { ["running", "paused", "restarting", "stopping", "removing"].contains(state.lowercased()) }
}

/// The podman or docker command line, run through ``ChildProcess`` (argv, never a shell) with
/// an explicit environment: a fixed `PATH` plus the variables these CLIs read to find their
/// daemon and storage (`HOME`, `XDG_RUNTIME_DIR`, `CONTAINERS_CONF`, `CONTAINER_HOST`,
/// `DOCKER_HOST`, `DOCKER_CONFIG`, …) when set in `environment`.
public struct ContainerRuntime: Sendable {
    /// `podman` or `docker`.
    public var name: String
    /// The environment the parent offers; only the allow-listed names are passed on.
    public var environment: [String: String]

    /// Names passed from `environment` to the CLI.
    static let passedVariables = ["HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "CONTAINERS_CONF",
                                  "CONTAINERS_STORAGE_CONF", "CONTAINER_HOST", "CONTAINER_CONNECTION", "DOCKER_HOST",
                                  "DOCKER_CONFIG", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "TMPDIR"]

    /// Creates a runtime; `name` must be `podman` or `docker`.
    public init(name: String, environment: [String: String]) throws(ActionError) {
        guard name == "podman" || name == "docker" else {
            throw .invalid("parameter 'runtime' must be podman or docker, not '\(name)'")
        }
        self.name = name
        self.environment = environment
    }

    var childEnvironment: [String: String] {
        var env = ["PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
        for key in Self.passedVariables { if let v = environment[key] { env[key] = v } }
        return env
    }

    /// Runs the CLI; throws a retryable error when it cannot start or fails.
    func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws(ActionError) -> String {
        let request = ChildProcessRequest(executable: name, arguments: arguments, environment: childEnvironment,
                                          timeout: timeout, terminationGrace: .seconds(2), outputLimit: 1 << 20)
        let result: ChildResult
        do { result = try await ChildProcess.run(request) } catch {
            if error.code == .executableNotFound {
                throw ActionError(message: "\(name) is not installed (not found in PATH); install it or choose another runtime", retryable: false)
            }
            throw ActionError(message: "could not run \(name): \(error.message)", retryable: true)
        }
        let err = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if result.timedOut { throw ActionError(message: "\(name) \(arguments.first ?? "") did not finish in time", retryable: true) }
        guard result.exitCode == 0 else {
            let tail = String(err.suffix(400))
            throw ActionError(message: "\(name) \(arguments.first ?? "") failed (exit \(result.exitCode.map(String.init) ?? "signal")): \(tail)", retryable: true)
        }
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// Containers (running or not) matching an exact name or a `key=value` label.
    ///
    /// podman prints a JSON array (`--format json`; `Id`, `Names` as a list, `State`); docker
    /// prints one JSON object per line (`--format {{json .}}`; `ID`, `Names` comma-separated,
    /// `State`). The template `{{.State}}` is not used: podman 4.3 renders it as a status text.
    public func list(name containerName: String? = nil, label: String? = nil) async throws(ActionError) -> [ContainerInfo] {
        var args = ["ps", "-a", "--no-trunc", "--format", name == "podman" ? "json" : "{{json .}}"]
        if let containerName { args += ["--filter", "name=^\(NSRegularExpression.escapedPattern(for: containerName))$"] }
        if let label { args += ["--filter", "label=\(label)"] }
        let out = try await run(args)
        var objects: [[String: Any]] = []
        let trimmed = out.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("[") {
            objects = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [[String: Any]] ?? []
        } else {
            for line in trimmed.split(separator: "\n") {
                if let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] { objects.append(o) }
            }
        }
        var found: [ContainerInfo] = []
        for o in objects {
            guard let id = (o["Id"] ?? o["ID"]) as? String, !id.isEmpty else { continue }
            let names: [String] = (o["Names"] as? [String])
                ?? ((o["Names"] as? String)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? [])
            let info = ContainerInfo(id: id, names: names.joined(separator: ","), state: (o["State"] as? String) ?? "unknown")
            if let containerName, !names.contains(containerName) { continue }
            found.append(info)
        }
        return found.sorted { $0.id < $1.id }
    }

    /// `stop --time <grace>` (SIGTERM, grace, SIGKILL), then `kill` for any survivor, then
    /// optionally `rm -f`.
    public func stop(_ ids: [String], grace: Duration, remove: Bool) async throws(ActionError) {
        guard !ids.isEmpty else { return }
        let seconds = max(0, Int(grace.components.seconds))
        _ = try? await run(["stop", "--time", String(seconds)] + ids, timeout: grace + .seconds(60))
        let survivors = try await states(ids).filter(\.isRunning).map(\.id)
        if !survivors.isEmpty { _ = try await run(["kill", "--signal", "KILL"] + survivors) }
        if remove {
            _ = try await run(name == "podman" ? ["rm", "-f", "-t", "0"] + ids : ["rm", "-f"] + ids)
        }
    }

    /// The current state of each id (containers already removed are absent).
    public func states(_ ids: [String]) async throws(ActionError) -> [ContainerInfo] {
        let all = try await list()
        return all.filter { c in ids.contains { c.id.hasPrefix($0) || $0.hasPrefix(c.id) } }
    }
}
