import Foundation
import QRunCore

/// `azure.app.remove-password`: removes a leaked client secret from an app registration
/// (`application_object_id`) or a service principal (`service_principal_id`) through Microsoft
/// Graph, so Microsoft Entra ID stops issuing tokens for it.
///
/// - plan: `GET /v1.0/{applications|servicePrincipals}/{id}?$select=id,appId,displayName,passwordCredentials`
///   (needs Application.Read.All or better) and reports whether `key_id` is present, with its
///   display name, hint and expiry; never the secret.
/// - apply: `POST …/{id}/removePassword {"keyId": key_id}` → 204.
/// - verify: the same GET no longer lists `key_id`.
///
/// **Idempotency.** Removal is naturally idempotent: a keyId that is no longer present is the
/// effect already achieved, so Graph's "No password credential found with keyId" answer is
/// success (`already_removed: true`). A resume after a crash between Graph's 204 and qrun's
/// commit therefore removes nothing twice. A wrong key_id is caught by plan, which says the key
/// is absent before anything runs.
struct AzureRemovePasswordAction: Action {
    var transport: HTTPTransport
    var settings: AzureSettings
    var tokens: AzureTokenProvider

    /// What stays usable after the secret is gone.
    static let residualValidity = "Access tokens Microsoft Entra ID already issued with the removed secret stay valid until they expire: "
        + "60–90 minutes by default (75 on average), longer if a token lifetime policy or continuous access evaluation applies; "
        + "removing a client secret does not revoke them. No new token can be obtained with it."

    var descriptor: ActionDescriptor {
        var d = ActionDescriptor(
            name: "azure.app.remove-password",
            summary: "Remove a client secret (password credential) from a Microsoft Entra app registration or service principal",
            parameters: [
                ParameterSpec("application_object_id", .string, secret: .forbidden,
                              description: "object id of the app registration (not its application/client id)"),
                ParameterSpec("service_principal_id", .string, secret: .forbidden,
                              description: "object id of the service principal, instead of application_object_id"),
                ParameterSpec("key_id", .string, required: true, secret: .forbidden,
                              description: "keyId of the leaked client secret (its 'Secret ID' in the Entra admin center)"),
            ],
            supportsVerify: true)
        d.requiresOneOf = [["application_object_id", "service_principal_id"]]
        return d
    }

    func plan(_ call: ActionCall) async throws -> ActionResult {
        let (owner, keyID) = try Self.target(call)
        let (graph, endpoint) = try await client(call)
        let object = try await fetch(owner, graph: graph, endpoint: endpoint, call: call)
        let name = object["displayName"]?.stringValue ?? owner.objectID
        var outputs = Self.identity(owner, keyID)
        outputs["display_name"] = .string(name)
        guard let credential = GraphPasswordCredential.list(in: object).first(where: { $0.keyID.lowercased() == keyID }) else {
            outputs["present"] = false
            return ActionResult(outputs: outputs, summary: "client secret \(keyID) is not on \(owner.kind.noun) '\(name)' (\(owner.objectID)): already removed, or a wrong key_id; apply will change nothing")
        }
        outputs["present"] = true
        outputs["credential_display_name"] = credential.displayName.map(Value.string) ?? .null
        outputs["end_date_time"] = credential.endDateTime.map(Value.string) ?? .null
        outputs["hint"] = credential.hint.map(Value.string) ?? .null
        return ActionResult(outputs: outputs, summary: "would remove client secret \(keyID) \(credential.label) from \(owner.kind.noun) '\(name)' (\(owner.objectID))")
    }

    func apply(_ call: ActionCall) async throws -> ActionResult {
        let (owner, keyID) = try Self.target(call)
        let (graph, endpoint) = try await client(call)
        let response = try await graph.send("POST", owner.url(endpoint, "/removePassword"), json: ["keyId": .string(keyID)], call: call)
        var outputs = Self.identity(owner, keyID)
        switch response.status {
        case 200, 204:
            outputs["already_removed"] = false
            return ActionResult(outputs: outputs, summary: "removed client secret \(keyID) from \(owner.kind.noun) \(owner.objectID)")
        case 400 where Self.isKeyAbsent(response), 404 where Self.isKeyAbsent(response):
            outputs["already_removed"] = true
            return ActionResult(outputs: outputs, summary: "client secret \(keyID) was already gone from \(owner.kind.noun) \(owner.objectID); nothing to remove")
        default:
            throw failure(response, owner: owner, doing: "removing client secret \(keyID) from")
        }
    }

    func verify(_ call: ActionCall) async throws -> ActionResult {
        let (owner, keyID) = try Self.target(call)
        let (graph, endpoint) = try await client(call)
        let object = try await fetch(owner, graph: graph, endpoint: endpoint, call: call)
        if GraphPasswordCredential.list(in: object).contains(where: { $0.keyID.lowercased() == keyID }) {
            throw ActionError(message: "client secret \(keyID) is still listed on \(owner.kind.noun) \(owner.objectID); Graph reads can lag writes by a few seconds, so this may pass on retry",
                              retryable: true, retryAfter: .seconds(5))
        }
        var outputs = Self.identity(owner, keyID)
        outputs["verified"] = true
        outputs["residual_validity"] = .string(Self.residualValidity)
        return ActionResult(outputs: outputs, summary: "client secret \(keyID) is no longer on \(owner.kind.noun) \(owner.objectID)")
    }

    // MARK: - Helpers

    static func target(_ call: ActionCall) throws(ActionError) -> (GraphPasswordOwner, String) {
        let owner = try GraphPasswordOwner.from(call)
        let keyID = try call.requiredString("key_id").trimmingCharacters(in: .whitespaces)
        guard AzureEndpoint.isGUID(keyID) else {
            throw .invalid("key_id '\(keyID)' is not a keyId (a GUID, the secret's 'Secret ID' in the Entra admin center)")
        }
        return (owner, keyID.lowercased())
    }

    static func identity(_ owner: GraphPasswordOwner, _ keyID: String) -> [String: Value] {
        ["object_id": .string(owner.objectID), "object_type": .string(owner.kind.noun), "key_id": .string(keyID)]
    }

    /// Graph's answer for a keyId that is not on the object (400 today; 404 accepted too).
    static func isKeyAbsent(_ response: HTTPResponse) -> Bool {
        AzureServiceError(response).message.range(of: "No password credential found", options: .caseInsensitive) != nil
    }

    func client(_ call: ActionCall) async throws(ActionError) -> (AzureResourceClient, URL) {
        let endpoint = try settings.graphEndpoint()
        let credentials = try await settings.credentials(call)
        let graph = AzureResourceClient(transport: transport, tokens: tokens, credentials: credentials, scope: settings.graphScope(for: endpoint))
        return (graph, endpoint)
    }

    func fetch(_ owner: GraphPasswordOwner, graph: AzureResourceClient, endpoint: URL, call: ActionCall) async throws(ActionError) -> Value {
        let url = owner.url(endpoint, query: [("$select", "id,appId,displayName,passwordCredentials")])
        let response = try await graph.send("GET", url, call: call)
        guard response.status == 200 else { throw failure(response, owner: owner, doing: "reading") }
        return response.json
    }

    func failure(_ response: HTTPResponse, owner: GraphPasswordOwner, doing: String) -> ActionError {
        var error = AzureServiceError.actionError(
            response, "Microsoft Graph refused \(doing) \(owner.kind.noun) \(owner.objectID)",
            forbiddenHint: "the app qrun signs in as needs the Graph application permission Application.ReadWrite.All (or Application.ReadWrite.OwnedBy as an owner) with admin consent")
        if response.status == 404 {
            let param = owner.kind == .application ? "application_object_id" : "service_principal_id"
            error.message += " — check that \(param) is the object id, not the application (client) id"
        }
        return error
    }
}
