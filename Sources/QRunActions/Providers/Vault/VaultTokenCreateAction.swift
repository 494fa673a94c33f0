import Foundation
import QRunCore

/// `vault.token.create`: mints a short-lived, scoped Vault token and writes its value to the
/// KV v2 field named by `store_at` (`MOUNT/PATH#FIELD`); the step outputs only the accessor,
/// the TTL and `stored_at`, a `secret:vault:` reference that later steps (or the agent being
/// provisioned) resolve at the moment of use. The token value never appears in outputs, logs
/// or the run's state.
///
/// Defaults are strict: not renewable, `explicit_max_ttl` equal to `ttl` (at most 24h), a child
/// of qrun's token unless `orphan: true` (then `auth/token/create-orphan`).
///
/// ## Idempotency (detect-before-write)
/// A minted token's value cannot be read back from Vault, so the step records its progress in
/// the store location's `custom_metadata` (a ``VaultStepMarker``), and the token carries
/// `meta.qrun_idempotency_key`:
/// 1. marker {key, base version `B`} — the write will be check-and-set on `B`;
/// 2. mint the token;
/// 3. marker {key, `B`, accessor, SHA-256 of the token} (a token has more than 128 random
///    bits, so its hash reveals nothing);
/// 4. write the token as version `B + 1` with `cas = B`, keeping the secret's other fields.
/// A later call with the same key reads the marker first. Accessor recorded and version
/// `B + 1` holds a value with the recorded hash: done — output the same accessor, mint nothing.
/// Accessor recorded but the value was never stored (crash between 3 and 4, or another writer
/// took `B + 1`): nobody holds that token, so it is revoked by accessor and the step mints
/// again. If step 3 fails the fresh token is revoked at once. Only a crash in the instant
/// between 2 and 3 can leave a token that nobody can use or find (its value never left
/// memory); it expires within `ttl`, and the next attempt logs that possibility.
public struct VaultTokenCreateAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// The longest `ttl` accepted: these tokens are meant to be short-lived.
    public static let maximumTTL: Duration = .seconds(24 * 3600)

    /// Creates the action; `settings` supplies the Vault address, token and namespace.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "vault.token.create", summary: "Creates a short-lived scoped Vault token and stores it in KV v2.", parameters: [
            ParameterSpec("policies", .list, required: true, secret: .forbidden, description: "Policies of the new token."),
            ParameterSpec("ttl", .duration, secret: .forbidden, description: "Lifetime (default 1h, at most 24h); also its explicit max TTL."),
            ParameterSpec("num_uses", .int, secret: .forbidden, description: "Maximum number of requests (default 0: unlimited)."),
            ParameterSpec("display_name", .string, secret: .forbidden, description: "Name shown in Vault's audit log."),
            ParameterSpec("renewable", .bool, secret: .forbidden, description: "Whether the token may be renewed (default false)."),
            ParameterSpec("orphan", .bool, secret: .forbidden, description: "Create it without a parent (auth/token/create-orphan)."),
            ParameterSpec("no_default_policy", .bool, secret: .forbidden, description: "Leave out the default policy."),
            ParameterSpec("store_at", .string, required: true, secret: .forbidden,
                          description: "KV v2 field receiving the token value: MOUNT/PATH#FIELD."),
        ], supportsVerify: true)
    }

    /// The validated parameters.
    struct Request: Sendable {
        var location: VaultKVLocation
        var policies: [String]
        var ttlSeconds: Int
        var numUses: Int
        var displayName: String?
        var renewable: Bool
        var orphan: Bool
        var noDefaultPolicy: Bool

        var createPath: String { orphan ? "auth/token/create-orphan" : "auth/token/create" }
    }

    func prepare(_ call: ActionCall) throws(ActionError) -> Request {
        let location = try VaultKVLocation.parse(call.requiredString("store_at"), parameter: "store_at")
        guard let list = call.params["policies"]?.arrayValue, !list.isEmpty else {
            throw .invalid("parameter 'policies' must be a non-empty list of Vault policy names")
        }
        let policies = try list.map { (v: Value) throws(ActionError) -> String in
            guard let s = v.stringValue, !s.isEmpty, s.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "," }) else {
                throw .invalid("each entry of 'policies' must be a policy name")
            }
            return s
        }
        guard !policies.contains("root") else { throw .invalid("vault.token.create refuses to create root tokens") }
        let ttl = try call.duration("ttl") ?? .seconds(3600)
        guard ttl >= .seconds(1), ttl <= Self.maximumTTL else {
            throw .invalid("parameter 'ttl' must be between 1s and 24h; this action creates short-lived tokens")
        }
        let numUses = try intParam(call, "num_uses") ?? 0
        guard numUses >= 0 else { throw .invalid("parameter 'num_uses' cannot be negative") }
        return Request(location: location, policies: policies, ttlSeconds: Int(ttl.components.seconds), numUses: numUses,
                       displayName: try call.string("display_name"), renewable: try boolParam(call, "renewable") ?? false,
                       orphan: try boolParam(call, "orphan") ?? false, noDefaultPolicy: try boolParam(call, "no_default_policy") ?? false)
    }

    /// Read-only: the token is valid, may create tokens with these policies, and may read and
    /// write the store location.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let request = try prepare(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        let me = try await client.lookupSelf()
        if !me.policies.contains("root") {
            let missing = Set(request.policies).subtracting(me.policies).subtracting(["default"])
            guard missing.isEmpty else {
                throw ActionError(message: "Vault will refuse: a child token's policies must be a subset of the parent's, and qrun's token lacks \(missing.sorted().joined(separator: ", "))",
                                  retryable: false)
            }
        }
        let meta = try await client.readMetadata(request.location)
        let write: Set<String> = meta == nil ? ["create"] : ["update"]
        try await client.requireCapabilities([
            (request.createPath, [["update"]]),
            (request.location.dataPolicyPath, [write.union(["read"])]),
            (request.location.metadataPolicyPath, [write.union(["read"])]),
        ])
        return ActionResult(outputs: ["stored_at": .string(request.location.reference)],
                            summary: "would create a \(request.renewable ? "renewable" : "non-renewable") token with policies "
                                + "\(request.policies.joined(separator: ", ")), ttl \(request.ttlSeconds)s"
                                + (request.numUses > 0 ? ", \(request.numUses) use(s)" : "")
                                + " and store it at \(request.location.reference)")
    }

    func intParam(_ call: ActionCall, _ name: String) throws(ActionError) -> Int? {
        guard let v = call.params[name], !v.isNull else { return nil }
        guard let n = v.intValue ?? Int(v.interpolationText) else { throw .invalid("parameter '\(name)' must be a whole number") }
        return n
    }

    func boolParam(_ call: ActionCall, _ name: String) throws(ActionError) -> Bool? {
        guard let v = call.params[name], !v.isNull else { return nil }
        if let b = v.boolValue { return b }
        switch v.interpolationText.lowercased() {
        case "true": return true
        case "false": return false
        default: throw .invalid("parameter '\(name)' must be true or false")
        }
    }
}
