import Foundation

/// The one JSON document qrun writes to a plugin's standard input.
///
/// ```json
/// {"protocol":1,"verb":"apply","action":"k8s.pod.delete","params":{…},
///  "idempotency_key":"…","run_id":"…","step_id":"…","attempt":1}
/// ```
/// Parameters that were secret references arrive resolved: stdin is the only channel a secret
/// takes into a plugin (never argv, never the environment).
public struct PluginRequest: Sendable, Hashable, Codable {
    /// The protocol version this request follows; always ``PluginProtocol/version``.
    public var `protocol`: Int
    /// `plan`, `apply` or `verify`.
    public var verb: String
    /// The dotted action name, as declared in the manifest.
    public var action: String
    /// The step's parameters, rendered, secret references resolved.
    public var params: [String: Value]
    /// Stable across retries and resumes of the step; the plugin's key for detecting a repeat.
    public var idempotencyKey: String
    /// The run this call belongs to.
    public var runID: String
    /// The step this call belongs to.
    public var stepID: String
    /// 1 for the first attempt, counting up on retries.
    public var attempt: Int

    enum CodingKeys: String, CodingKey {
        case `protocol`, verb, action, params, attempt
        case idempotencyKey = "idempotency_key"
        case runID = "run_id"
        case stepID = "step_id"
    }

    /// Creates a request for the current protocol version.
    public init(verb: String, action: String, params: [String: Value], idempotencyKey: String,
                runID: String, stepID: String, attempt: Int) {
        self.protocol = PluginProtocol.version
        self.verb = verb
        self.action = action
        self.params = params
        self.idempotencyKey = idempotencyKey
        self.runID = runID
        self.stepID = stepID
        self.attempt = attempt
    }

    /// Compact JSON with sorted keys, followed by a newline.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

/// Constants of the plugin protocol.
public enum PluginProtocol {
    /// The only protocol version qrun speaks.
    public static let version = 1
}
