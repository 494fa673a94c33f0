import Foundation
import QRunCore

/// `ibm.apikey.lock`, `ibm.apikey.disable`, `ibm.apikey.delete`: contain a leaked IBM Cloud API
/// key through the IAM Identity API.
///
/// **Idempotency (detect before write).** IAM has no client request tokens, so every `apply`
/// first reads the key (`GET /v1/apikeys/{id}`) and writes only when the effect is missing:
/// a locked key is not locked again, a disabled key not disabled again, and a key IAM no longer
/// knows counts as deleted (`already_absent: true`), which is what a resume after a crash between
/// the DELETE and the commit sees. The write itself is also idempotent at IAM (a 404 answer to
/// DELETE means the key is gone), so two racing attempts still leave one effect.
///
/// **Plan** resolves qrun's own API key and the optional `leaked_apikey`, reads the key, and
/// refuses early what IAM would refuse: a key of another account than qrun's identity (read from
/// the token's `account.bss` claim), or a locked key for disable/delete.
///
/// **Verify** reads the key again (locked/disabled, or 404 after delete) and, when the runbook
/// passes the leaked key as `leaked_apikey` (a secret reference), asks IAM for a token with it:
/// a refusal proves the key is dead. A key that still works fails verification as retryable,
/// since IAM may take a moment to propagate.
public struct IBMAPIKeyAction: Action {
    let operation: IBMAPIKeyOperation
    let transport: HTTPTransport
    let settings: ProviderSettings
    let tokens: IAMTokenProvider

    /// Creates the action for `operation`; `tokens` is shared by all IBM actions.
    public init(_ operation: IBMAPIKeyOperation, transport: HTTPTransport, settings: ProviderSettings, tokens: IAMTokenProvider) {
        self.operation = operation
        self.transport = transport
        self.settings = settings
        self.tokens = tokens
    }

    /// Name, parameters and verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: operation.actionName, summary: "\(operation.rawValue.capitalized)s an IBM Cloud API key through the IAM Identity API.",
                         parameters: [
                            ParameterSpec("apikey_id", .string, required: true, secret: .forbidden,
                                          description: "IAM id of the API key (ApiKey-…), not its value."),
                            ParameterSpec("leaked_apikey", .string, secret: .required,
                                          description: "The leaked key's value as a secret reference; verify then proves IAM refuses it."),
                         ], supportsVerify: true).declaring([
                            OutputSpec("apikey_id", "string", "The API key's id."),
                            OutputSpec("locked", "bool", "Whether IAM reports it locked."),
                            OutputSpec("disabled", "bool", "Whether IAM reports it disabled."),
                            OutputSpec("deleted", "bool", "ibm.apikey.delete: the key is gone."),
                            OutputSpec("already_absent", "bool", "ibm.apikey.delete: it was gone before this call."),
                            OutputSpec("iam_id", "string", "The identity owning the key, when IAM names it."),
                            OutputSpec("account_id", "string", "Its account, when IAM names it."),
                            OutputSpec("name", "string", "The key's name, when it has one."),
                            OutputSpec("changed", "bool", "Whether this call changed the key (false: it already was)."),
                            OutputSpec("would_change", "bool", "plan: whether apply would change it."),
                            OutputSpec("verified", "bool", "verify: IAM reports the key in the wanted state."),
                            OutputSpec("leaked_key_refused", "bool", "verify with leaked_apikey: IAM refused a token exchange with the leaked value."),
                            OutputSpec("leaked_key_probe", "string", "verify: why the leaked value was not probed, when it was not."),
                            OutputSpec("residual_validity", "string", "verify: what stays valid (IAM access tokens already issued)."),
                         ])
    }

    func client() throws(ActionError) -> IBMClient {
        IBMClient(transport: transport, tokens: tokens, configuration: try IBMConfiguration(settings: settings))
    }

    func keyID(_ call: ActionCall) throws(ActionError) -> String {
        let id = try call.requiredString("apikey_id")
        guard id.range(of: "^[A-Za-z0-9_.:-]{1,128}$", options: .regularExpression) != nil else {
            throw .invalid("apikey_id '\(id.prefix(40))' is not an IAM API key id (letters, digits, '-', '_', '.', ':'); give the id (ApiKey-…), never the key itself")
        }
        return id
    }

    /// The key as IAM has it now; nil when IAM answers 404.
    func read(_ client: IBMClient, _ call: ActionCall, _ id: String) async throws(ActionError) -> IBMAPIKey? {
        let r = try await client.iam(call, "GET", "/v1/apikeys/\(ProviderEndpoint.segment(id))")
        switch r.status {
        case 200:
            guard let key = IBMAPIKey(json: r.json) else {
                throw ActionError(message: "IBM IAM answered 200 for API key \(id) without an id", retryable: true)
            }
            return key
        case 404:
            return nil
        default:
            throw r.ibmError("IBM IAM did not return API key \(id)")
        }
    }

    /// Refuses what IAM would refuse, before any write.
    func check(_ key: IBMAPIKey, identity: IAMToken) throws(ActionError) {
        if let mine = identity.accountID, let theirs = key.accountID, mine != theirs {
            throw .invalid("IBM API key \(key.id) belongs to account \(theirs), but qrun's IBM identity acts in account \(mine); "
                + "configure an API key of account \(theirs) (IBMCLOUD_API_KEY or providers.ibm.api_key)")
        }
        if operation.blockedByLock && key.locked && !operation.isDone(key) {
            throw .invalid("IBM API key \(key.id) is locked, and IAM refuses to change a locked key; unlock it first "
                + "(ibmcloud iam api-key-unlock \(key.id)), or lock it only with ibm.apikey.lock")
        }
    }

    /// Read-only: resolves every credential, reads the key, says what apply would change.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let id = try keyID(call)
        let client = try client()
        _ = try await call.resolved("leaked_apikey")
        let identity = try await client.identity(call)
        guard let key = try await read(client, call, id) else {
            throw ActionError.invalid("IBM API key \(id) was not found in IAM; check the id (if it was deleted already, there is nothing left to do)")
        }
        try check(key, identity: identity)
        var outputs = key.outputs
        let done = operation.isDone(key)
        outputs["would_change"] = .bool(!done)
        let summary = done ? "IBM API key \(key.display) is already \(operation.pastTense); apply would change nothing"
                           : "would \(operation.rawValue) IBM API key \(key.display)"
        return ActionResult(outputs: outputs, summary: summary)
    }

    /// Reads the key and writes only when the effect is missing.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let id = try keyID(call)
        let client = try client()
        let identity = try await client.identity(call)
        guard let key = try await read(client, call, id) else {
            guard operation == .delete else {
                throw ActionError.invalid("IBM API key \(id) was not found in IAM, so it cannot be \(operation.pastTense); check the id")
            }
            call.log("IBM API key \(id) is not known to IAM: deleted earlier (for example by an interrupted attempt of this step) or never existed")
            return ActionResult(outputs: ["apikey_id": .string(id), "deleted": true, "changed": false, "already_absent": true],
                                summary: "IBM API key \(id) was already gone (deleted earlier, or the id is wrong)")
        }
        if operation.isDone(key) {
            var outputs = key.outputs
            outputs["changed"] = false
            return ActionResult(outputs: outputs, summary: "IBM API key \(key.display) was already \(operation.pastTense)")
        }
        try check(key, identity: identity)
        let (method, path) = operation.request(id)
        let r = try await client.iam(call, method, path)
        guard (200...299).contains(r.status) || (operation == .delete && r.status == 404) else {
            throw r.ibmError("IBM IAM refused to \(operation.rawValue) API key \(id)")
        }
        var outputs = key.outputs
        switch operation {
        case .lock: outputs["locked"] = true
        case .disable: outputs["disabled"] = true
        case .delete: outputs["deleted"] = true
        }
        outputs["changed"] = true
        return ActionResult(outputs: outputs, summary: "\(operation.pastTense) IBM API key \(key.display)")
    }
}
