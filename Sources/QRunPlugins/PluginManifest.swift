import Foundation
import QRunCore

/// A validated `plugin.yaml`:
///
/// ```yaml
/// name: k8s-pod-kill
/// version: 1.0.0
/// protocol: 1
/// executable: bin/k8s-pod-kill
/// timeout: 60s                 # optional, default 60s
/// env_allow: [KUBECONFIG]      # optional; PATH, HOME and LANG are always passed
/// actions:
///   - name: k8s.pod.delete
///     summary: Delete pods by namespace and label selector.
///     verbs: [plan, apply]
///     parameters:
///       - { name: namespace, type: string, required: true, secret: forbidden, description: … }
/// ```
public struct PluginManifest: Sendable {
    /// The plugin's name: lowercase letters, digits and dashes; unique in the workspace.
    public var name: String
    /// Free-form version text shown by `qrun plugins list`.
    public var version: String
    /// The plugin folder (absolute).
    public var directory: String
    /// The manifest file (absolute).
    public var manifestPath: String
    /// The executable (absolute, inside ``directory``).
    public var executablePath: String
    /// The most time one call may take before the plugin's process group is terminated.
    public var timeout: Duration
    /// Environment variable names passed to the plugin besides PATH, HOME and LANG.
    public var environmentAllowList: [String]
    /// The declared actions.
    public var actions: [PluginActionSpec]

    /// The default per-call timeout: 60 seconds.
    public static let defaultTimeout = Duration.seconds(60)
    /// Names always passed to a plugin when qrun has them.
    public static let baseEnvironment = ["PATH", "HOME", "LANG"]

    /// The child's environment: the allow-listed names that `environment` holds, nothing else.
    public func childEnvironment(from environment: [String: String]) -> [String: String] {
        var env: [String: String] = [:]
        for name in Self.baseEnvironment + environmentAllowList {
            if let v = environment[name] { env[name] = v }
        }
        return env
    }
}

/// One action a plugin declares.
public struct PluginActionSpec: Sendable {
    /// Dotted name, e.g. `k8s.pod.delete`.
    public var name: String
    /// One line for `qrun plan` and the validator.
    public var summary: String
    /// The parameters, checked by runbook validation.
    public var parameters: [ParameterSpec]
    /// Which of plan, apply, verify the executable answers to.
    public var verbs: Set<ActionVerb>

    /// The descriptor the validator and the engine see.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: name, summary: summary, parameters: parameters, supportsVerify: verbs.contains(.verify))
    }
}
