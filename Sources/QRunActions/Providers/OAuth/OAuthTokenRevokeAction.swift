import Foundation
import QRunCore

/// `oauth.token.revoke`: revokes an OAuth 2.0 access or refresh token at the authorization
/// server's RFC 7009 revocation endpoint.
///
/// Parameters override the provider settings (key `oauth`: `revocation_endpoint`,
/// `introspection_endpoint`, `client_id`, `client_secret` as a secret reference, `client_auth`).
///
/// **Idempotency.** RFC 7009 §2.2 makes revocation idempotent at the server: it answers 200 for a
/// token it revoked and equally for one that is unknown or already revoked. So a retry or a resume
/// simply sends the request again; nothing needs detecting. 503 (with `Retry-After`), 429 and
/// other 5xx are retryable (§2.2.1); `unsupported_token_type`, `invalid_client` and other 4xx
/// are not.
///
/// **Plan** validates the endpoint (https, or http on loopback) and resolves the token and the
/// client credentials, without calling the server: RFC 7009 offers no read-only check.
///
/// **Verify** asks the RFC 7662 introspection endpoint, when one is configured, and expects
/// `"active": false`.
public struct OAuthTokenRevokeAction: Action {
    /// The provider key in the workspace config.
    public static let provider = "oauth"
    let transport: HTTPTransport
    let settings: ProviderSettings

    /// Creates the action.
    public init(transport: HTTPTransport, settings: ProviderSettings) {
        self.transport = transport
        self.settings = settings
    }

    /// Name, parameters and verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "oauth.token.revoke", summary: "Revokes an OAuth 2.0 token at an RFC 7009 revocation endpoint.", parameters: [
            ParameterSpec("token", .string, required: true, secret: .required, description: "The token to revoke, as a secret reference."),
            ParameterSpec("token_type_hint", .string, secret: .forbidden, description: "access_token or refresh_token (a hint; the server may search all types)."),
            ParameterSpec("revocation_endpoint", .string, secret: .forbidden, description: "Revocation URL (default: providers.oauth.revocation_endpoint)."),
            ParameterSpec("introspection_endpoint", .string, secret: .forbidden, description: "RFC 7662 introspection URL used by verify (default: providers.oauth.introspection_endpoint)."),
            ParameterSpec("client_id", .string, secret: .forbidden, description: "OAuth client id (default: providers.oauth.client_id)."),
            ParameterSpec("client_secret", .string, secret: .required, description: "Client secret as a secret reference (default: providers.oauth.client_secret)."),
            ParameterSpec("public_client", .bool, secret: .forbidden, description: "true: authenticate as a public client (client_id only, RFC 6749 §2.1)."),
            ParameterSpec("client_auth", .string, secret: .forbidden, description: "basic (HTTP Basic, the default) or body (client_secret_post)."),
        ], supportsVerify: true)
    }

    /// Everything a request needs, resolved.
    struct Prepared {
        var endpoint: URL
        var token: String
        var hint: String?
        var client: OAuthClientAuthentication
    }

    func setting(_ call: ActionCall, _ name: String) throws(ActionError) -> String? {
        if let v = try call.string(name), !v.isEmpty { return v }
        return settings.value(Self.provider, name)
    }

    func prepare(_ call: ActionCall, endpointKey: String = "revocation_endpoint") async throws(ActionError) -> Prepared? {
        guard let endpointText = try setting(call, endpointKey) else { return nil }
        let endpoint = try ProviderEndpoint.parse(endpointText, what: endpointKey)
        let hint = try call.string("token_type_hint").flatMap { $0.isEmpty ? nil : $0 }
        if let hint, hint.range(of: "^[a-z_]{1,64}$", options: .regularExpression) == nil {
            throw .invalid("token_type_hint must be access_token or refresh_token, not '\(hint.prefix(40))'")
        }
        guard let tokenParam = try call.string("token"), !tokenParam.isEmpty else { throw .invalid("parameter 'token' is required") }
        let token = try await call.credential(tokenParam, what: "token to revoke", configure: "pass it as a secret reference")
        guard let clientID = try setting(call, "client_id") else {
            throw .invalid("no OAuth client id configured; pass client_id or set providers.oauth.client_id")
        }
        // `public_client: true` sends only the client id even when the settings hold a secret.
        let explicitlyPublic = call.params["public_client"]?.boolValue == true
        let secretRef = explicitlyPublic ? nil
            : try call.string("client_secret").flatMap { $0.isEmpty ? nil : $0 } ?? settings.credentialReference(Self.provider, "client_secret")
        let secret: String? = secretRef == nil ? nil
            : try await call.credential(secretRef, what: "OAuth client secret", configure: "pass client_secret or set providers.oauth.client_secret to a secret reference")
        let method = try OAuthClientAuthentication.method(try setting(call, "client_auth"))
        return Prepared(endpoint: endpoint, token: token, hint: hint,
                        client: OAuthClientAuthentication(clientID: clientID, clientSecret: secret, method: method))
    }

    func required(_ call: ActionCall) async throws(ActionError) -> Prepared {
        guard let p = try await prepare(call) else {
            throw .invalid("no revocation endpoint configured; pass revocation_endpoint or set providers.oauth.revocation_endpoint")
        }
        return p
    }

    /// POSTs `token` (and its hint) with the client's authentication to `url`.
    func post(_ p: Prepared, to url: URL) async throws(ActionError) -> HTTPResponse {
        var headers: [(String, String)] = []
        var form: [(String, String)] = [("token", p.token)]
        if let hint = p.hint { form.append(("token_type_hint", hint)) }
        p.client.apply(headers: &headers, form: &form)
        return try await transport.send(method: "POST", url: url, headers: headers, form: form, timeout: .seconds(20))
    }

    /// Validates and resolves everything; calls nothing.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await required(call)
        let what = p.hint.map { "the \($0)" } ?? "the token"
        return ActionResult(outputs: outputs(p), summary: "would revoke \(what) at \(p.endpoint.absoluteString) as \(p.client.display)")
    }

    /// Sends the revocation request; 200 means revoked (or already invalid, RFC 7009 §2.2).
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await required(call)
        let r = try await post(p, to: p.endpoint)
        guard r.status == 200 else { throw failure(r, p) }
        var out = outputs(p)
        out["revoked"] = true
        return ActionResult(outputs: out, summary: "revoked \(p.hint.map { "the \($0)" } ?? "the token") at \(p.endpoint.absoluteString)")
    }

    func outputs(_ p: Prepared) -> [String: Value] {
        var o: [String: Value] = ["endpoint": .string(p.endpoint.absoluteString), "client_id": .string(p.client.clientID)]
        if let hint = p.hint { o["token_type_hint"] = .string(hint) }
        return o
    }

    func failure(_ r: HTTPResponse, _ p: Prepared) -> ActionError {
        let body = OAuthErrorBody(r)
        let detail = body.display(r)
        switch (r.status, body.error) {
        case (400, "unsupported_token_type"?):
            return .invalid("the authorization server does not revoke \(p.hint.map { "\($0)s" } ?? "this type of token") (unsupported_token_type); revoke it another way, e.g. by disabling the client or the user's grant")
        case (401, _), (_, "invalid_client"?):
            return .invalid("the authorization server refused the client authentication of \(p.client.display) (\(detail)); check client_id, client_secret and client_auth")
        default:
            return r.error("the authorization server did not revoke the token", detail: detail)
        }
    }
}
