import Foundation
import QRunCore

/// `vault.kv.rotate`: replaces one field of a KV version 2 secret with a new value, keeping
/// the secret's other fields, and outputs the new and previous version numbers — never the
/// value.
///
/// The new value is `length` bytes (default 32) from the system CSPRNG, base64url encoded, or
/// the value of the `value` parameter, which must be a secret reference.
///
/// ## Idempotency (detect-before-write)
/// Vault's KV v2 has no request tokens, but it has check-and-set: a write with
/// `options.cas = B` succeeds only while version `B` is current, and then creates exactly
/// version `B + 1`. Before writing, the step records a ``VaultStepMarker`` in the secret's
/// `custom_metadata` (metadata endpoint): its idempotency key, the base version `B`, and for a
/// generated value the SHA-256 of that value (256 random bits: the hash reveals nothing). Then it
/// writes with `cas = B`. A later call with the same key (a retry, or a resume after a crash)
/// reads the metadata first:
/// - no marker of its own, or the current version is still `B`: the write did not happen;
///   record a fresh marker and write (check-and-set again on the current version);
/// - current version above `B`: read version `B + 1` and compare its field, in memory, with the
///   recorded hash (generated) or the re-resolved `value` (supplied). Equal: the write happened;
///   output version `B + 1` without writing again. Different: someone else wrote `B + 1`, so
///   this step's write never happened; rotate again from the current version.
/// A check-and-set conflict (another writer between read and write) restarts the cycle, at
/// most three times, then fails as retryable. The marker stays in the metadata afterwards; it
/// is what `verify` reads.
public struct VaultKVRotateAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Bytes of randomness in a generated value when `length` is not given.
    public static let defaultLength = 32

    /// Creates the action; `settings` supplies the Vault address, token and namespace.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verbs.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "vault.kv.rotate", summary: "Rotates one field of a Vault KV v2 secret with check-and-set.", parameters: [
            ParameterSpec("mount", .string, required: true, secret: .forbidden, description: "KV v2 mount, e.g. secret."),
            ParameterSpec("path", .string, required: true, secret: .forbidden, description: "Secret path inside the mount."),
            ParameterSpec("field", .string, required: true, secret: .forbidden, description: "The field to rotate; other fields are kept."),
            ParameterSpec("length", .int, secret: .forbidden, description: "Random bytes of a generated value (16-512, default 32)."),
            ParameterSpec("value", .string, secret: .required, description: "The new value, as a secret reference, instead of a generated one."),
        ], supportsVerify: true).declaring([
            OutputSpec("version", "int", "The secret's version holding the new value (never the value itself)."),
            OutputSpec("previous_version", "int", "The version it replaced."),
            OutputSpec("reference", "string", "A secret:vault: reference to the new value."),
            OutputSpec("resumed", "bool", "The write had already happened in an earlier attempt."),
            OutputSpec("current_version", "int", "plan: the version a run would replace."),
            OutputSpec("verified", "bool", "verify: the new version is current and differs from the old."),
        ])
    }

    /// Where the new value comes from.
    enum NewValue: Sendable {
        case generated(byteCount: Int)
        case supplied(String)

        var isGenerated: Bool {
            if case .generated = self { return true }
            return false
        }

        var describe: String {
            switch self {
            case .generated(let n): return "generated \(n)-byte value"
            case .supplied: return "value from the given secret reference"
            }
        }
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> (VaultKVLocation, NewValue) {
        let location = try VaultKVLocation(mount: call.requiredString("mount"), path: call.requiredString("path"),
                                           field: call.requiredString("field"))
        if let resolved = try await call.resolved("value") {
            guard resolved.isSecret else {
                throw .invalid("parameter 'value' must be a secret reference (secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD), never the value itself")
            }
            guard call.params["length"] == nil || call.params["length"]!.isNull else {
                throw .invalid("give either 'value' or 'length', not both")
            }
            guard !resolved.text.isEmpty else { throw .invalid("the secret given as 'value' is empty") }
            return (location, .supplied(resolved.text))
        }
        var length = Self.defaultLength
        if let raw = call.params["length"], !raw.isNull {
            guard let n = raw.intValue ?? Int(raw.interpolationText) else { throw .invalid("parameter 'length' must be a whole number of bytes") }
            length = n
        }
        guard (16...512).contains(length) else {
            throw .invalid("parameter 'length' must be between 16 and 512 bytes, not \(length)")
        }
        return (location, .generated(byteCount: length))
    }

    /// Read-only: the token is valid, holds read+update on the data and metadata paths, and
    /// the secret and its field exist.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let (location, source) = try await prepare(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        _ = try await client.lookupSelf()
        try await client.requireCapabilities([
            (location.dataPolicyPath, [["read", "update"]]),
            (location.metadataPolicyPath, [["read", "update"]]),
        ])
        let (meta, current) = try await currentState(client, location)
        return ActionResult(
            outputs: ["current_version": .int(meta.currentVersion), "reference": .string(location.reference)],
            summary: "would write version \(meta.currentVersion + 1) of \(location.display) with a \(source.describe) in field "
                + "'\(location.field)' (\(current.data.count - 1) other field(s) kept), check-and-set on version \(meta.currentVersion)")
    }

    /// Writes the new version once (see the type's documentation for how a repeat is detected).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let (location, source) = try await prepare(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        for _ in 0..<3 {
            let (meta, current) = try await currentState(client, location)
            if let marker = VaultStepMarker.find(in: meta.customMetadata, for: call), meta.currentVersion > marker.baseVersion {
                let candidate = try await client.readVersion(location, version: marker.baseVersion + 1)
                if let candidate, matches(candidate.data[location.field], marker: marker, source: source) {
                    return done(location, version: marker.baseVersion + 1, previous: marker.baseVersion, resumed: true)
                }
                call.log("version \(marker.baseVersion + 1) of \(location.display) was not written by this step; rotating again from version \(meta.currentVersion)")
            }
            let value: String
            switch source {
            case .generated(let n): value = VaultSecretGenerator.base64URL(byteCount: n)
            case .supplied(let v): value = v
            }
            call.secrets.redactor.register(rawValue: value)
            if case .supplied = source, current.data[location.field].map(Self.text) == value {
                throw ActionError.invalid("the value given for \(location.display) field '\(location.field)' is already the current value; give a new one")
            }
            let marker = VaultStepMarker(idempotencyKey: call.idempotencyKey, baseVersion: meta.currentVersion,
                                         valueSHA256: source.isGenerated ? Digest.sha256Hex(value) : nil,
                                         runID: call.runID, stepID: call.stepID)
            try await client.writeCustomMetadata(location, marker.merged(into: meta.customMetadata))
            var data = current.data
            data[location.field] = .string(value)
            switch try await client.writeVersion(location, data: data, cas: meta.currentVersion) {
            case .written(let version):
                return done(location, version: version, previous: meta.currentVersion, resumed: false)
            case .casMismatch:
                call.log("\(location.display) changed while it was being rotated; reading it again")
            }
        }
        throw ActionError(message: "\(location.display) kept changing while this step tried to rotate it; another writer is active, a retry may help",
                          retryable: true)
    }

    /// Proves the rotation: the version this step wrote is current and its field differs (by
    /// SHA-256, compared in memory) from the previous version's.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let (location, _) = try await prepare(call)
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        let (meta, current) = try await currentState(client, location)
        guard let marker = VaultStepMarker.find(in: meta.customMetadata, for: call) else {
            throw ActionError(message: "no rotation by this step is recorded in the metadata of \(location.display); it was not applied, or another rotation replaced its record",
                              retryable: false)
        }
        let expected = marker.baseVersion + 1
        guard meta.currentVersion == expected else {
            throw ActionError(message: "version \(meta.currentVersion) of \(location.display) is current, not version \(expected) written by this step",
                              retryable: false)
        }
        let newHash = current.data[location.field].map { Digest.sha256Hex(Self.text($0)) }
        if let old = try await client.readVersion(location, version: marker.baseVersion),
           old.data[location.field].map({ Digest.sha256Hex(Self.text($0)) }) == newHash {
            throw ActionError(message: "field '\(location.field)' of \(location.display) still holds the previous value", retryable: false)
        }
        return ActionResult(outputs: [
            "verified": true, "version": .int(expected),
            "residual_validity": .string("The previous value stays readable in Vault's version history (version \(marker.baseVersion)) until it is destroyed or pruned by max_versions, and stays valid wherever it was copied or is still accepted by the system that issued it until it is revoked there."),
        ], summary: "version \(expected) of \(location.display) is current and field '\(location.field)' differs from version \(marker.baseVersion)")
    }

    /// The secret's metadata and current version; fails when either is missing or the field is.
    func currentState(_ client: VaultClient, _ location: VaultKVLocation) async throws(ActionError) -> (VaultKVMetadata, VaultKVVersion) {
        guard let meta = try await client.readMetadata(location) else {
            throw ActionError(message: "the secret \(location.display) does not exist; vault.kv.rotate only rotates an existing secret",
                              retryable: false)
        }
        guard let current = try await client.readVersion(location, version: meta.currentVersion) else {
            throw ActionError(message: "the current version (\(meta.currentVersion)) of \(location.display) is deleted or destroyed; restore it or write it first",
                              retryable: false)
        }
        guard current.data[location.field] != nil else {
            throw ActionError(message: "the secret \(location.display) has no field '\(location.field)'", retryable: false)
        }
        return (meta, current)
    }

    func matches(_ written: Value?, marker: VaultStepMarker, source: NewValue) -> Bool {
        guard let written else { return false }
        switch source {
        case .generated: return marker.valueSHA256 == Digest.sha256Hex(Self.text(written))
        case .supplied(let value): return Digest.sha256Hex(Self.text(written)) == Digest.sha256Hex(value)
        }
    }

    func done(_ location: VaultKVLocation, version: Int, previous: Int, resumed: Bool) -> ActionResult {
        ActionResult(outputs: [
            "version": .int(version), "previous_version": .int(previous), "reference": .string(location.reference),
            "resumed": .bool(resumed),
        ], summary: "rotated field '\(location.field)' of \(location.display): version \(version) is current (was \(previous))"
            + (resumed ? "; the write had already happened in an earlier attempt" : ""))
    }

    static func text(_ v: Value) -> String { v.stringValue ?? v.interpolationText }
}
