import Foundation
import QRunCore

extension VaultTokenCreateAction {
    /// A freshly minted token. `token` is secret: it goes to the KV write and nowhere else.
    struct Minted: Sendable {
        var token: String
        var accessor: String
        var ttl: Int
    }

    /// Mints the token once and stores it once (see the type's documentation for the scheme).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let request = try prepare(call)
        let location = request.location
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        for _ in 0..<3 {
            let meta = try await client.readMetadata(location)
            let base = meta?.currentVersion ?? 0
            let custom = meta?.customMetadata ?? [:]
            if let marker = VaultStepMarker.find(in: custom, for: call) {
                if let accessor = marker.tokenAccessor {
                    if base > marker.baseVersion,
                       let stored = try await client.readVersion(location, version: marker.baseVersion + 1),
                       let value = stored.data[location.field], Digest.sha256Hex(VaultKVRotateAction.text(value)) == marker.valueSHA256 {
                        let info = try await client.lookupAccessor(accessor)
                        return done(request, accessor: accessor, ttl: info?.creationTTL ?? request.ttlSeconds, resumed: true)
                    }
                    try await revoke(client, accessor)
                    call.log("a token minted by an earlier attempt (accessor \(accessor)) was never stored; it has been revoked")
                } else {
                    call.log("an earlier attempt may have minted a token before recording it; nobody holds its value and it expires within \(request.ttlSeconds)s")
                }
            }
            var data: [String: Value] = [:]
            if base > 0 {
                guard let current = try await client.readVersion(location, version: base) else {
                    throw ActionError(message: "the current version (\(base)) of \(location.display) is deleted or destroyed; restore it or choose another store_at",
                                      retryable: false)
                }
                data = current.data
            }
            var marker = VaultStepMarker(idempotencyKey: call.idempotencyKey, baseVersion: base, runID: call.runID, stepID: call.stepID)
            try await client.writeCustomMetadata(location, marker.merged(into: custom))
            let minted = try await mint(client, request, call)
            marker.tokenAccessor = minted.accessor
            marker.valueSHA256 = Digest.sha256Hex(minted.token)
            do {
                try await client.writeCustomMetadata(location, marker.merged(into: custom))
            } catch {
                try? await revoke(client, minted.accessor)
                throw error
            }
            data[location.field] = .string(minted.token)
            switch try await client.writeVersion(location, data: data, cas: base) {
            case .written:
                return done(request, accessor: minted.accessor, ttl: minted.ttl, resumed: false)
            case .casMismatch:
                try await revoke(client, minted.accessor)
                call.log("\(location.display) changed while the token was being stored; the unstored token was revoked, trying again")
            }
        }
        throw ActionError(message: "\(location.display) kept changing while this step tried to store a token in it; another writer is active, a retry may help",
                          retryable: true)
    }

    /// Proves the effect: the recorded token is alive, carries this step's key, and its value
    /// is what the store location currently holds (compared by SHA-256 in memory).
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let request = try prepare(call)
        let location = request.location
        let client = try await VaultClient.connect(call, settings: settings, transport: transport)
        guard let meta = try await client.readMetadata(location), let marker = VaultStepMarker.find(in: meta.customMetadata, for: call),
              let accessor = marker.tokenAccessor
        else {
            throw ActionError(message: "no token created by this step is recorded at \(location.display)", retryable: false)
        }
        guard let info = try await client.lookupAccessor(accessor), info.meta["qrun_idempotency_key"] == call.idempotencyKey else {
            throw ActionError(message: "the token created by this step (accessor \(accessor)) is no longer valid", retryable: false)
        }
        guard let current = try await client.readVersion(location), let value = current.data[location.field],
              Digest.sha256Hex(VaultKVRotateAction.text(value)) == marker.valueSHA256
        else {
            throw ActionError(message: "\(location.reference) no longer holds the token created by this step", retryable: false)
        }
        return ActionResult(outputs: [
            "verified": true, "accessor": .string(accessor), "ttl": .int(info.ttl),
            "residual_validity": .string("The new token stays valid for \(info.ttl)s more (policies \(info.policies.joined(separator: ", "))); anyone who can read \(location.reference) can use it until then, unless it is revoked with vault.token.revoke-accessor."),
        ], summary: "the token with accessor \(accessor) is valid and stored at \(location.reference)")
    }

    func mint(_ client: VaultClient, _ request: Request, _ call: ActionCall) async throws(ActionError) -> Minted {
        var body: [String: Value] = [
            "policies": .array(request.policies.map { .string($0) }),
            "ttl": .string("\(request.ttlSeconds)s"), "explicit_max_ttl": .string("\(request.ttlSeconds)s"),
            "num_uses": .int(request.numUses), "renewable": .bool(request.renewable),
            "no_default_policy": .bool(request.noDefaultPolicy),
            "meta": ["qrun_idempotency_key": .string(call.idempotencyKey), "qrun_run_id": .string(call.runID),
                     "qrun_step_id": .string(call.stepID)],
        ]
        if let name = request.displayName { body["display_name"] = .string(name) }
        let reply = try await client.send("POST", request.createPath, body: .object(body))
        guard reply.isSuccess, let auth = reply.json["auth"], let token = auth["client_token"]?.stringValue, !token.isEmpty,
              let accessor = auth["accessor"]?.stringValue
        else {
            throw client.failure(reply, "create a token", grant: "update on \(request.createPath)")
        }
        call.secrets.redactor.register(rawValue: token)
        return Minted(token: token, accessor: accessor, ttl: auth["lease_duration"]?.intValue ?? request.ttlSeconds)
    }

    /// Revokes a token this step minted but could not store; an already revoked one is fine.
    func revoke(_ client: VaultClient, _ accessor: String) async throws(ActionError) {
        let reply = try await client.send("POST", "auth/token/revoke-accessor", body: ["accessor": .string(accessor)])
        guard reply.isSuccess || reply.isBadRequest(containing: "invalid accessor") else {
            throw client.failure(reply, "revoke the unstored token with accessor \(accessor)", grant: "update on auth/token/revoke-accessor")
        }
    }

    func done(_ request: Request, accessor: String, ttl: Int, resumed: Bool) -> ActionResult {
        ActionResult(outputs: ["accessor": .string(accessor), "ttl": .int(ttl), "stored_at": .string(request.location.reference)],
                     summary: "created a token (accessor \(accessor), ttl \(ttl)s) and stored it at \(request.location.reference)"
                         + (resumed ? "; it had been created by an earlier attempt" : ""))
    }
}
