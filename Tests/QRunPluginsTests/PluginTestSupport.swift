import Foundation
import QRunCore
@testable import QRunPlugins
import QRunTestSupport

/// Builds throwaway plugin folders and calls plugin actions the way the engine does.
final class PluginSandbox: @unchecked Sendable {
    // @unchecked: immutable after init.
    let workspace: TestWorkspace
    let pluginsDir: String
    let redactor = Redactor()
    /// The idempotency key of calls that name none. Each sandbox has its own: calls with one key
    /// are one step's attempts, which never run at once in a process, so tests running in
    /// parallel must not share one.
    let key = "run-1/step-1-" + UUID().uuidString.prefix(8).lowercased()

    init(_ label: String) throws {
        workspace = try TestWorkspace(label)
        pluginsDir = workspace.home + "/plugins"
        try FileManager.default.createDirectory(atPath: pluginsDir, withIntermediateDirectories: true)
    }

    /// The repository's `plugins/` folder.
    static var shippedPlugins: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("plugins").path
    }

    /// Copies a shipped plugin into this sandbox's plugin folder.
    func installShipped(_ name: String) throws {
        try FileManager.default.copyItem(atPath: Self.shippedPlugins + "/" + name, toPath: pluginsDir + "/" + name)
    }

    /// Writes a plugin named `name` with one action `test.<name>.run` and `script` as its executable.
    func write(plugin name: String, script: String, mode: Int = 0o755, extraManifest: String = "",
               parameters: String = "", verbs: String = "[plan, apply]") throws {
        let manifest = """
            name: \(name)
            version: 0.1.0
            protocol: 1
            executable: run.sh
            \(extraManifest)
            actions:
              - name: test.\(name).run
                summary: A test action.
                verbs: \(verbs)
            \(parameters)
            """
        _ = try workspace.write(file: "plugins/\(name)/plugin.yaml", manifest)
        _ = try workspace.write(file: "plugins/\(name)/run.sh", script, mode: mode)
    }

    /// The discovered action called `name`.
    func action(_ name: String, environment: [String: String]) throws -> PluginAction {
        let found = PluginHost.discover(directory: pluginsDir, environment: environment)
        guard let a = found.actions.first(where: { $0.descriptor.name == name }) as? PluginAction else {
            throw TestFailure("no action \(name); problems: \(found.problems)")
        }
        return a
    }

    /// An engine-like call; stderr lines land in `log`.
    func call(_ verb: ActionVerb, _ params: [String: Value], key: String? = nil, env: [String: String] = [:],
              log: LogLines = LogLines()) -> ActionCall {
        let secrets = SecretResolver(sources: [EnvironmentSecretSource(environment: env)], redactor: redactor)
        return ActionCall(runID: "run-1", stepID: "step-1", attempt: 1, idempotencyKey: key ?? self.key, verb: verb, params: params,
                          timeout: nil, secrets: secrets, log: { log.append($0) })
    }

    func cleanup() { workspace.cleanup() }
}

/// A thread-safe list of log lines.
final class LogLines: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.withLock { items.append(s) } }
    var lines: [String] { lock.withLock { items } }
}

/// The standard environment for plugins under test.
let testEnvironment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]

/// Runs `body`, expecting an ActionError; returns it.
func expectActionError(_ body: () async throws -> ActionResult) async -> ActionError? {
    do {
        _ = try await body()
        return nil
    } catch let e as ActionError {
        return e
    } catch {
        return nil
    }
}
