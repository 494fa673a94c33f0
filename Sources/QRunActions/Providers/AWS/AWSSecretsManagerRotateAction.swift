import Foundation
import QRunCore

/// `aws.secretsmanager.rotate`: stores a new value as the `AWSCURRENT` version of a secret
/// (`PutSecretValue`); the old value becomes `AWSPREVIOUS`. The value is generated (`length`
/// characters) or taken from a secret reference (`value`); it is never returned — outputs carry
/// the secret's ARN and the new version ID only.
///
/// `RotateSecret` is deliberately not used: it needs a rotation Lambda, and without one it can
/// leave `AWSCURRENT` empty.
///
/// Idempotency: the provider's own. The version's `ClientRequestToken` (which becomes its
/// `VersionId`) is derived from the step's idempotency key, so every retry and resume sends the
/// same token. `apply` first looks for that version with `DescribeSecret` and writes nothing when
/// it exists (a resume with a freshly generated value would otherwise be refused with
/// `ResourceExistsException`, which is also treated as "already stored").
///
/// - plan: `DescribeSecret` (exists, current version, rotation schedule).
/// - verify: `GetSecretValue VersionStage=AWSCURRENT` returns this step's version, and its value
///   hashes like the version's own (and like the `value` reference, when one was given); the
///   hashes are compared in memory only.
public struct AWSSecretsManagerRotateAction: Action {
    let configuration: AWSConfiguration
    let transport: HTTPTransport
    let now: @Sendable () -> Date

    /// Creates the action.
    public init(configuration: AWSConfiguration, transport: HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.now = now
    }

    /// Name, parameters, verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "aws.secretsmanager.rotate",
            summary: "Store a new value as the current version of a Secrets Manager secret (PutSecretValue)",
            parameters: [
                ParameterSpec("secret_id", .string, required: true, secret: .forbidden, description: "secret name or ARN"),
                ParameterSpec("value", .string, secret: .required, description: "new value as a secret reference; generated when absent"),
                ParameterSpec("length", .int, secret: .forbidden, description: "length of a generated value (default 32, 16–4096)"),
                ParameterSpec("exclude_punctuation", .bool, secret: .forbidden, description: "generate letters and digits only"),
            ],
            supportsVerify: true)
    }

    /// The `ClientRequestToken`: a UUID-shaped digest of the idempotency key (32–64 characters).
    static func token(_ call: ActionCall) -> String {
        let h = Array(Digest.sha256Hex("aws.secretsmanager.rotate\n\(call.idempotencyKey)"))
        return [String(h[0..<8]), String(h[8..<12]), String(h[12..<16]), String(h[16..<20]), String(h[20..<32])].joined(separator: "-")
    }

    /// `DescribeSecret`; a missing secret is a clear, non-retryable error.
    func describe(_ sm: AWSClient, _ id: String) async throws(ActionError) -> Value {
        do {
            return try await sm.json("DescribeSecret", ["SecretId": .string(id)])
        } catch where error.code == "ResourceNotFoundException" {
            throw ActionError(message: "Secrets Manager has no secret '\(id)'; check secret_id and the region (\(configuration.region))", retryable: false)
        } catch {
            throw error.actionError
        }
    }

    /// The existing secret, whether this step's version exists, and what would happen.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let id = try call.requiredString("secret_id")
        let source = try await valueSource(call)
        let sm = try await configuration.client(.secretsManager, call: call, transport: transport, now: now)
        let d = try await describe(sm, id)
        let token = Self.token(call)
        let versions = d["VersionIdsToStages"]?.objectValue ?? [:]
        let current = versions.first { $0.value.arrayValue?.contains("AWSCURRENT") == true }?.key
        let outputs: [String: Value] = ["secret_arn": d["ARN"] ?? .null, "secret_name": d["Name"] ?? .null,
                                        "current_version_id": current.map(Value.string) ?? .null, "version_id": .string(token),
                                        "would_change": .bool(versions[token] == nil),
                                        "rotation_enabled": .bool(d["RotationEnabled"]?.boolValue ?? false)]
        let name = d["Name"]?.stringValue ?? id
        var summary = versions[token] != nil
            ? "secret \(name) already holds this step's version \(token)"
            : "would store a new \(source) value in secret \(name) as version \(token) (AWSCURRENT; the current version becomes AWSPREVIOUS)"
        if d["RotationEnabled"]?.boolValue == true { summary += "; note: scheduled rotation is enabled and will replace the value again" }
        return ActionResult(outputs: outputs, summary: summary)
    }

    /// Stores the new value unless this step already did.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let id = try call.requiredString("secret_id")
        let token = Self.token(call)
        let sm = try await configuration.client(.secretsManager, call: call, transport: transport, now: now)
        let d = try await describe(sm, id)
        var outputs: [String: Value] = ["secret_arn": d["ARN"] ?? .null, "secret_name": d["Name"] ?? .null, "version_id": .string(token)]
        let name = d["Name"]?.stringValue ?? id
        if d["VersionIdsToStages"]?[token] != nil {
            outputs["changed"] = false
            return ActionResult(outputs: outputs, summary: "secret \(name) already holds this step's version \(token)")
        }
        let value = try await newValue(call)
        do {
            let r = try await sm.json("PutSecretValue", ["SecretId": .string(id), "ClientRequestToken": .string(token), "SecretString": .string(value)])
            if let arn = r["ARN"] { outputs["secret_arn"] = arn }
            outputs["changed"] = true
        } catch where error.code == "ResourceExistsException" {
            call.log("PutSecretValue says version \(token) already exists; this step stored it earlier")
            outputs["changed"] = false
        } catch {
            throw error.actionError
        }
        return ActionResult(outputs: outputs, summary: "stored a new value in secret \(name) as version \(token) (AWSCURRENT)")
    }

    /// Proves `AWSCURRENT` is this step's version and carries its value (hashes compared in memory).
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let id = try call.requiredString("secret_id")
        let token = Self.token(call)
        let sm = try await configuration.client(.secretsManager, call: call, transport: transport, now: now)
        let current: Value
        let ours: Value
        do {
            current = try await sm.json("GetSecretValue", ["SecretId": .string(id), "VersionStage": "AWSCURRENT"])
            ours = try await sm.json("GetSecretValue", ["SecretId": .string(id), "VersionId": .string(token)])
        } catch where error.code == "ResourceNotFoundException" {
            throw ActionError(message: "secret '\(id)' has no version \(token); this step has not stored its value", retryable: false)
        } catch {
            throw error.actionError
        }
        let currentValue = current["SecretString"]?.stringValue ?? ""
        let ourValue = ours["SecretString"]?.stringValue ?? ""
        for v in [currentValue, ourValue] where !v.isEmpty { call.secrets.redactor.register(rawValue: v) }
        guard current["VersionId"]?.stringValue == token else {
            throw ActionError(message: "AWSCURRENT of secret '\(id)' is version \(current["VersionId"]?.stringValue ?? "?"), not this step's \(token); something replaced it", retryable: false)
        }
        guard Digest.sha256Hex(currentValue) == Digest.sha256Hex(ourValue), !ourValue.isEmpty else {
            throw ActionError(message: "AWSCURRENT of secret '\(id)' does not return the value of version \(token)", retryable: true)
        }
        if let given = try await call.resolved("value"), Digest.sha256Hex(given.text) != Digest.sha256Hex(ourValue) {
            throw ActionError(message: "version \(token) of secret '\(id)' does not hold the value of the 'value' reference", retryable: false)
        }
        let residual = "The previous value stays retrievable as AWSPREVIOUS and stays valid wherever it is still accepted until the systems that use it are changed; Secrets Manager only replaced the stored copy."
        return ActionResult(outputs: ["verified": true, "secret_arn": current["ARN"] ?? .null, "version_id": .string(token),
                                      "residual_validity": .string(residual)],
                            summary: "AWSCURRENT of secret \(current["Name"]?.stringValue ?? id) is this step's version \(token)")
    }

    /// `generated` or `referenced` — checks the parameters without producing a value.
    func valueSource(_ call: ActionCall) async throws(ActionError) -> String {
        if let given = try await call.resolved("value") {
            guard given.isSecret else { throw .invalid("parameter 'value' must be a secret reference (secret:env:…, secret:file:…, secret:vault:…)") }
            return "referenced"
        }
        _ = try Self.length(call)
        return "generated"
    }

    /// The value to store: the resolved reference, or a fresh random one (registered for masking).
    func newValue(_ call: ActionCall) async throws(ActionError) -> String {
        if let given = try await call.resolved("value") {
            guard given.isSecret else { throw .invalid("parameter 'value' must be a secret reference (secret:env:…, secret:file:…, secret:vault:…)") }
            return given.text
        }
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let alphabet = call.params["exclude_punctuation"]?.boolValue == true ? letters : letters + Array("!#$%&()*+,-.:;<=>?@[]^_{|}~")
        var rng = SystemRandomNumberGenerator()
        let value = String((0..<(try Self.length(call))).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
        call.secrets.redactor.register(rawValue: value)
        return value
    }

    static func length(_ call: ActionCall) throws(ActionError) -> Int {
        guard let v = call.params["length"], !v.isNull else { return 32 }
        guard let n = v.intValue ?? Int(v.stringValue ?? ""), (16...4096).contains(n) else {
            throw .invalid("parameter 'length' must be a whole number from 16 to 4096")
        }
        return n
    }
}
