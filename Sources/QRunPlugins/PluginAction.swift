import Foundation
import QRunCore
import QRunPluginWire

/// An action provided by an out-of-process plugin; its descriptor comes from `plugin.yaml`, so
/// runbook validation checks a plugin step's parameters like a built-in one's.
///
/// Each verb spawns the plugin once (see ``PluginInvoker``). Parameters that are secret
/// references are resolved just before the call, registered with the redactor, and reach the
/// plugin only inside the stdin request. Idempotency is the plugin's job: it receives the step's
/// `idempotency_key`, the same on every retry and resume.
public struct PluginAction: Action {
    /// The plugin that provides the action.
    public let manifest: PluginManifest
    /// The action's declaration.
    public let spec: PluginActionSpec
    /// qrun's environment, filtered by the manifest's allow-list at each call.
    public let environment: [String: String]

    /// Creates the action for `spec` of `manifest`.
    public init(manifest: PluginManifest, spec: PluginActionSpec, environment: [String: String]) {
        self.manifest = manifest
        self.spec = spec
        self.environment = environment
    }

    /// The manifest's declaration as a descriptor.
    public var descriptor: ActionDescriptor { spec.descriptor }

    /// Sends `plan`; a plugin that does not declare plan gets no call and a descriptive summary.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        guard spec.verbs.contains(.plan) else {
            return ActionResult(outputs: [:], summary: "would call plugin '\(manifest.name)' to \(spec.summary.lowercasedFirst) (it has no plan check)")
        }
        return try await send(.plan, call)
    }

    /// Sends `apply`.
    public func apply(_ call: ActionCall) async throws -> ActionResult { try await send(.apply, call) }

    /// Sends `verify` (only declared when the manifest lists it).
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        guard spec.verbs.contains(.verify) else {
            throw ActionError(message: "\(spec.name) (plugin '\(manifest.name)') cannot verify its effect", retryable: false)
        }
        return try await send(.verify, call)
    }

    func send(_ verb: ActionVerb, _ call: ActionCall) async throws(ActionError) -> ActionResult {
        var params: [String: Value] = [:]
        for (name, value) in call.params {
            if case .string(let text) = value {
                if spec.parameters.first(where: { $0.name == name })?.secret == .forbidden, text.hasPrefix("secret:") {
                    throw .invalid("parameter '\(name)' of \(spec.name) may not be a secret reference: the plugin declares it as shown, not secret")
                }
                let resolved = try await call.resolve(text: text)
                params[name] = .string(resolved.text)
            } else {
                params[name] = value
            }
        }
        let request = PluginRequest(verb: verb.rawValue, action: spec.name, params: params, idempotencyKey: call.idempotencyKey,
                                    runID: call.runID, stepID: call.stepID, attempt: call.attempt)
        let response = try await PluginInvoker.invoke(manifest, request: request, environment: environment, timeout: call.timeout, log: call.log)
        switch response {
        case .success(let outputs, let summary):
            return ActionResult(outputs: outputs, summary: summary)
        case .failure(let error, let retryable):
            throw ActionError(message: "\(spec.name) (plugin '\(manifest.name)'): \(error)", retryable: retryable)
        }
    }
}

extension String {
    var lowercasedFirst: String {
        guard let f = first else { return self }
        let trimmed = hasSuffix(".") ? String(dropLast()) : self
        return f.lowercased() + trimmed.dropFirst()
    }
}
