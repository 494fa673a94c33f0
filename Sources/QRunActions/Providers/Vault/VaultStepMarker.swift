import Foundation
import QRunCore

/// The record a Vault write step leaves in the KV v2 secret's `custom_metadata` before it
/// writes, so that a resumed or retried call can tell whether its write already happened.
///
/// Keys (all prefixed `qrun_`, so the secret's own custom metadata is kept beside them):
/// - `qrun_idempotency_key` — the step call's idempotency key;
/// - `qrun_base_version` — the version the write is check-and-set against: the step's write,
///   if it happened, is exactly version `base + 1` (check-and-set allows nothing else);
/// - `qrun_value_sha256` — SHA-256 of a *generated* value (at least 128 random bits, so the
///   hash reveals nothing); never written for a value the runbook supplied, which may be
///   guessable;
/// - `qrun_token_accessor` — for `vault.token.create`, the accessor of the minted token;
/// - `qrun_run_id`, `qrun_step_id` — for people reading the metadata.
struct VaultStepMarker: Sendable, Equatable {
    static let keyPrefix = "qrun_"

    var idempotencyKey: String
    var baseVersion: Int
    var valueSHA256: String?
    var tokenAccessor: String?
    var runID: String
    var stepID: String

    init(idempotencyKey: String, baseVersion: Int, valueSHA256: String? = nil, tokenAccessor: String? = nil,
         runID: String, stepID: String) {
        self.idempotencyKey = idempotencyKey
        self.baseVersion = baseVersion
        self.valueSHA256 = valueSHA256
        self.tokenAccessor = tokenAccessor
        self.runID = runID
        self.stepID = stepID
    }

    /// The marker recorded in `custom` for `call`'s idempotency key, if any.
    static func find(in custom: [String: String], for call: ActionCall) -> VaultStepMarker? {
        guard custom["qrun_idempotency_key"] == call.idempotencyKey,
              let base = custom["qrun_base_version"].flatMap(Int.init)
        else { return nil }
        return VaultStepMarker(idempotencyKey: call.idempotencyKey, baseVersion: base, valueSHA256: custom["qrun_value_sha256"],
                               tokenAccessor: custom["qrun_token_accessor"], runID: custom["qrun_run_id"] ?? "",
                               stepID: custom["qrun_step_id"] ?? "")
    }

    /// `custom` with any earlier `qrun_` marker replaced by this one; other keys unchanged.
    func merged(into custom: [String: String]) -> [String: String] {
        var out = custom.filter { !$0.key.hasPrefix(Self.keyPrefix) }
        out["qrun_idempotency_key"] = idempotencyKey
        out["qrun_base_version"] = String(baseVersion)
        if let valueSHA256 { out["qrun_value_sha256"] = valueSHA256 }
        if let tokenAccessor { out["qrun_token_accessor"] = tokenAccessor }
        if !runID.isEmpty { out["qrun_run_id"] = String(runID.prefix(512)) }
        if !stepID.isEmpty { out["qrun_step_id"] = String(stepID.prefix(512)) }
        return out
    }
}
