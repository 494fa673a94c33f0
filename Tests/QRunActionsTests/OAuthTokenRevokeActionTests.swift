import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `oauth.token.revoke` against an RFC 7009/7662 fake: client authentication both ways, 200 for
/// already-revoked tokens, error classification, verify through introspection.
@Suite
struct OAuthTokenRevokeActionTests {
    static let clientSecret = "client-secret-value-xyz!&="
    static let accessToken = "leaked-access-token-aaaa"
    static let refreshToken = "leaked-refresh-token-bbbb"

    struct Fake {
        let server: PythonServer
        init() throws { server = try PythonServer("fakes/oauth_fake.py") }
        func state() throws -> [String: Any] { try server.getJSON("/_fake/state") as? [String: Any] ?? [:] }
        func revoked() throws -> [String] { try state()["revoked"] as? [String] ?? [] }
        func int(_ name: String) throws -> Int { try state()[name] as? Int ?? -1 }
        func settings(introspection: Bool = true) -> ProviderSettings {
            var oauth = ["revocation_endpoint": server.baseURL + "/revoke", "client_id": "qrun-client", "client_secret": "secret:env:OAUTH_SECRET"]
            if introspection { oauth["introspection_endpoint"] = server.baseURL + "/introspect" }
            return ProviderSettings(config: ["oauth": oauth], environment: [:])
        }
        func action(introspection: Bool = true) -> OAuthTokenRevokeAction {
            OAuthTokenRevokeAction(transport: CurlTransport(), settings: settings(introspection: introspection))
        }
    }

    func calls(secret: String = Self.clientSecret) -> ProviderCallFactory {
        ProviderCallFactory(env: ["OAUTH_SECRET": secret, "LEAKED": Self.accessToken, "LEAKED_REFRESH": Self.refreshToken,
                                  "PUBLIC_TOKEN": "public-access-token-cccc", "OTHER_TOKEN": "other-access-token-dddd"])
    }

    let access: [String: Value] = ["token": "secret:env:LEAKED", "token_type_hint": "access_token"]

    @Test func planResolvesEverythingAndCallsNothing() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        let r = try await fake.action().plan(calls().call(access, verb: .plan))
        #expect(r.summary == "would revoke the access_token at \(fake.server.baseURL)/revoke as client qrun-client (HTTP Basic)")
        #expect(r.outputs == ["endpoint": .string(fake.server.baseURL + "/revoke"), "client_id": "qrun-client", "token_type_hint": "access_token"])
        #expect(try fake.int("revoke_requests") == 0)
        #expect(try fake.int("introspect_requests") == 0)
    }

    @Test func revokesWithBasicAuthOnceAndStaysSuccessfulOnRetry() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        let calls = calls()
        let r = try await fake.action().apply(calls.call(access))
        #expect(r.outputs["revoked"] == true)
        #expect(r.summary == "revoked the access_token at \(fake.server.baseURL)/revoke")
        // A resume after a crash sends the request again; RFC 7009 answers 200 for a revoked token.
        let again = try await fake.action().apply(calls.call(access, attempt: 2))
        #expect(again.outputs["revoked"] == true)
        #expect(try fake.revoked() == [Self.accessToken])
        #expect(try fake.int("effects") == 1)
        #expect(try fake.int("revoke_requests") == 2)
        #expect(try fake.state()["auth_methods"] as? [String] == ["basic", "basic"],
                "the secret holds !&=, so it only authenticates when form-encoded before base64 (RFC 6749 §2.3.1)")
        let v = try await fake.action().verify(calls.call(access, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.summary == "the introspection endpoint reports the token inactive")
        #expect(v.outputs["residual_validity"]?.stringValue?.hasSuffix("Revoking an access token need not revoke the refresh token of the same grant (RFC 7009 §2.1); revoke that too.") == true)
    }

    @Test func bodyAuthenticationAndPublicClients() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        let r = try await fake.action().apply(calls().call(["token": "secret:env:LEAKED_REFRESH", "client_auth": "client_secret_post"]))
        #expect(r.outputs["revoked"] == true)
        #expect(try fake.state()["auth_methods"] as? [String] == ["body"])
        #expect(try fake.revoked() == [Self.refreshToken, Self.accessToken], "revoking the refresh token revokes its grant's access token")
        let pub = try await fake.action().apply(calls().call(["token": "secret:env:PUBLIC_TOKEN", "client_id": "public-client", "public_client": true]))
        #expect(pub.outputs["client_id"] == "public-client")
        let planned = try await OAuthTokenRevokeAction(transport: CurlTransport(), settings: ProviderSettings(
            config: ["oauth": ["revocation_endpoint": fake.server.baseURL + "/revoke"]], environment: [:]))
            .plan(calls().call(["token": "secret:env:PUBLIC_TOKEN", "client_id": "public-client"], verb: .plan))
        #expect(planned.summary == "would revoke the token at \(fake.server.baseURL)/revoke as public client public-client")
    }

    @Test func verifySaysSoWhenNothingCanProveTheRevocation() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        let v = try await fake.action(introspection: false).verify(calls().call(access, verb: .verify))
        #expect(v.outputs["verified"] == false)
        #expect(v.outputs["verification"] == "not possible: no introspection_endpoint configured (RFC 7662)")
        let active = await actionError { try await fake.action().verify(calls().call(access, verb: .verify)) }
        #expect(active?.message == "the introspection endpoint still reports the token as active")
        #expect(active?.retryable == true)
    }

    @Test func classifiesFailures() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        try fake.server.post("/_fake/fail?count=1&status=503&retry_after=4")
        let unavailable = await actionError { try await fake.action().apply(calls().call(access)) }
        #expect(unavailable?.retryable == true)
        #expect(unavailable?.retryAfter == .seconds(4))
        #expect(unavailable?.message == "the authorization server did not revoke the token: HTTP 503: temporarily_unavailable")

        try fake.server.post("/_fake/ratelimit?retry_after=1")
        let limited = await actionError { try await fake.action().apply(calls().call(access)) }
        #expect(limited?.retryable == true)

        try fake.server.post("/_fake/config?unsupported=refresh_token")
        let unsupported = await actionError { try await fake.action().apply(calls().call(["token": "secret:env:LEAKED_REFRESH", "token_type_hint": "refresh_token"])) }
        #expect(unsupported?.retryable == false)
        #expect(unsupported?.message == "the authorization server does not revoke refresh_tokens (unsupported_token_type); revoke it another way, e.g. by disabling the client or the user's grant")

        let badSecret = await actionError { try await fake.action().apply(calls(secret: "wrong-secret-0000").call(access)) }
        #expect(badSecret?.retryable == false)
        // The 401 carries WWW-Authenticate: Basic (RFC 6749 §5.2) and the RFC 6749 error body, which
        // the transport hands back whole.
        #expect(badSecret?.message == "the authorization server refused the client authentication of client qrun-client (HTTP Basic) (invalid_client: client authentication failed); check client_id, client_secret and client_auth")
        let badBodySecret = await actionError { try await fake.action().apply(calls(secret: "wrong-secret-0000").call(access.merging(["client_auth": "body"]) { $1 })) }
        #expect(badBodySecret?.message == "the authorization server refused the client authentication of client qrun-client (credentials in the body) (invalid_client: client authentication failed); check client_id, client_secret and client_auth")
        #expect(badBodySecret?.retryable == false)

        let notOurs = await actionError { try await fake.action().apply(calls().call(["token": "secret:env:OTHER_TOKEN"])) }
        #expect(notOurs?.retryable == false)
        #expect(notOurs?.message == "the authorization server did not revoke the token: HTTP 400: unauthorized_client: the token was not issued to this client")
        #expect(try fake.revoked().isEmpty)
    }

    @Test func refusesUnsafeEndpointsAndNamesMissingSettings() async throws {
        let remote = OAuthTokenRevokeAction(transport: CurlTransport(), settings: ProviderSettings(
            config: ["oauth": ["revocation_endpoint": "http://auth.example.com/revoke", "client_id": "c"]], environment: [:]))
        let plain = await actionError { try await remote.plan(calls().call(access, verb: .plan)) }
        #expect(plain?.message == "revocation_endpoint 'http://auth.example.com/revoke' must use https: qrun sends credentials only over TLS (plain http is allowed for 127.0.0.1 and localhost)")

        let none = OAuthTokenRevokeAction(transport: CurlTransport(), settings: ProviderSettings(config: [:], environment: [:]))
        let noEndpoint = await actionError { try await none.plan(calls().call(access, verb: .plan)) }
        #expect(noEndpoint?.message == "no revocation endpoint configured; pass revocation_endpoint or set providers.oauth.revocation_endpoint")

        let fake = try Fake()
        defer { fake.server.stop() }
        let noSecret = await actionError { try await fake.action().plan(ProviderCallFactory(env: ["LEAKED": Self.accessToken]).call(access, verb: .plan)) }
        #expect(noSecret?.message.contains("OAUTH_SECRET is not set") == true)
        #expect(noSecret?.retryable == false)
        let badHint = await actionError { try await fake.action().plan(calls().call(["token": "secret:env:LEAKED", "token_type_hint": "Bearer Token"], verb: .plan)) }
        #expect(badHint?.message == "token_type_hint must be access_token or refresh_token, not 'Bearer Token'")
    }

    @Test func neitherTokenNorSecretAppearsInWhatTheActionShows() async throws {
        let fake = try Fake()
        defer { fake.server.stop() }
        let calls = calls()
        var results = [try await fake.action().plan(calls.call(access, verb: .plan)),
                       try await fake.action().apply(calls.call(access)),
                       try await fake.action().verify(calls.call(access, verb: .verify))]
        results.append(try await fake.action(introspection: false).verify(calls.call(access, verb: .verify)))
        var errors: [ActionError] = []
        try fake.server.post("/_fake/config?unsupported=refresh_token")
        if let e = await actionError({ try await fake.action().apply(calls.call(["token": "secret:env:LEAKED_REFRESH"])) }) { errors.append(e) }
        let wrong = self.calls(secret: "wrong-secret-0000")
        if let e = await actionError({ try await fake.action().apply(wrong.call(access)) }) { errors.append(e) }
        #expect(errors.count == 2)
        for text in calls.shown(results, errors: errors) {
            for secret in [Self.clientSecret, Self.accessToken, Self.refreshToken, "wrong-secret-0000"] {
                #expect(!text.contains(secret), "\(text)")
            }
            #expect(calls.redactor.redact(text) == text)
        }
    }
}
