import Foundation
import QRunCore

extension OAuthTokenRevokeAction {
    /// Asks the RFC 7662 introspection endpoint about the token and expects `"active": false`.
    ///
    /// Without an introspection endpoint nothing can be proven: the result says so
    /// (`verified: false`, `verification`) instead of failing the step.
    ///
    /// - Throws: ``ActionError``, retryable when the token is still active (the server may lag)
    ///   or the endpoint answers 429/5xx.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let revocation = try await required(call)
        var outputs: [String: Value] = ["residual_validity": .string(Self.residualValidity(revocation))]
        guard let p = try await prepare(call, endpointKey: "introspection_endpoint") else {
            outputs["verified"] = false
            outputs["verification"] = "not possible: no introspection_endpoint configured (RFC 7662)"
            return ActionResult(outputs: outputs, summary: "cannot verify the revocation: no introspection endpoint configured")
        }
        let r = try await post(p, to: p.endpoint)
        guard r.status == 200 else { throw r.error("the introspection endpoint did not answer", detail: OAuthErrorBody(r).display(r)) }
        guard let active = r.json["active"]?.boolValue else {
            throw ActionError(message: "the introspection endpoint answered without an 'active' member (RFC 7662 §2.2)", retryable: false)
        }
        guard !active else {
            throw ActionError(message: "the introspection endpoint still reports the token as active", retryable: true)
        }
        outputs["verified"] = true
        return ActionResult(outputs: outputs, summary: "the introspection endpoint reports the token inactive")
    }

    /// What may still accept the token. A JWT's `exp` claim (read without checking the signature)
    /// bounds how long a resource server that validates tokens locally may still accept it.
    static func residualValidity(_ p: OAuthTokenRevokeAction.Prepared) -> String {
        var s = "Resource servers that validate tokens themselves (e.g. JWT access tokens) instead of asking the authorization server may keep accepting the token until it expires"
        if let exp = JWTClaims.decode(p.token)["exp"]?.intValue {
            s += " (its exp claim: \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(exp)))))"
        }
        s += "."
        if p.hint == "access_token" {
            s += " Revoking an access token need not revoke the refresh token of the same grant (RFC 7009 §2.1); revoke that too."
        }
        return s
    }
}
