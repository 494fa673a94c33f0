import Foundation
import QRunCore

extension IBMAPIKeyAction {
    /// Proves the effect: IAM shows the key locked or disabled, or no longer knows it; and, when
    /// `leaked_apikey` is given for disable/delete, IAM refuses to issue a token for it.
    ///
    /// - Throws: ``ActionError``, retryable when the effect is not visible yet (IAM may lag).
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let id = try keyID(call)
        let client = try client()
        let key = try await read(client, call, id)
        let visible: Bool
        switch operation {
        case .lock: visible = key?.locked == true
        case .disable: visible = key?.disabled == true
        case .delete: visible = key == nil
        }
        guard visible else {
            throw ActionError(message: "IBM IAM does not show API key \(id) as \(operation.pastTense) yet", retryable: true)
        }
        var outputs: [String: Value] = ["verified": true, "residual_validity": .string(operation.residualValidity)]
        var summary = "IAM shows API key \(id) \(operation.pastTense)"
        if let leaked = try await call.resolved("leaked_apikey") {
            if operation == .lock {
                outputs["leaked_key_probe"] = "skipped: a locked key still authenticates"
            } else {
                try await probe(leaked.text, client: client, call: call)
                outputs["leaked_key_refused"] = true
                summary += "; IAM refuses the leaked key"
            }
        }
        return ActionResult(outputs: outputs, summary: summary)
    }

    /// Asks IAM for a token with the leaked key and expects a refusal (400/401).
    func probe(_ leakedKey: String, client: IBMClient, call: ActionCall) async throws(ActionError) {
        let r = try await IAMTokenProvider.request(apiKey: leakedKey, endpoint: client.configuration.iamEndpoint, transport: transport)
        switch r.status {
        case 400, 401, 403:
            call.log("IAM refused the leaked key: \(IBMErrorDetail.describe(r))")
        case 200:
            if let token = r.json["access_token"]?.stringValue { call.secrets.redactor.register(rawValue: token) }
            throw ActionError(message: "IBM IAM still issues tokens for the leaked API key; the change may not have propagated yet", retryable: true)
        default:
            throw r.ibmError("IBM IAM could not be asked whether it refuses the leaked API key")
        }
    }
}
