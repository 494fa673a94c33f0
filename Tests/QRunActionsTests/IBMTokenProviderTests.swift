import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// The IAM token cache: one exchange per key while the token is fresh, a new one after 80% of its
/// lifetime, and exactly one retry with a fresh token when a service answers 401.
@Suite
struct IBMTokenProviderTests {
    let params: [String: Value] = ["apikey_id": "ApiKey-leaked-1"]

    @Test func reusesTheTokenUntilShortlyBeforeItExpires() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let clock = ManualClock()
        let tokens = IAMTokenProvider(now: { clock.now() })
        let a = IBMAPIKeyAction(.lock, transport: CurlTransport(), settings: fake.settings(), tokens: tokens)
        let calls = fake.calls()
        _ = try await a.plan(calls.call(params, verb: .plan))
        _ = try await a.plan(calls.call(params, verb: .plan))
        #expect(try fake.int("token_requests") == 1)
        clock.advance(2_870) // 79.7% of 3600 s
        _ = try await a.plan(calls.call(params, verb: .plan))
        #expect(try fake.int("token_requests") == 1)
        clock.advance(10) // past 80%
        _ = try await a.plan(calls.call(params, verb: .plan))
        #expect(try fake.int("token_requests") == 2)
    }

    @Test func asksForANewTokenOnceWhenIBMAnswers401() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        let a = IBMAPIKeyAction(.lock, transport: CurlTransport(), settings: fake.settings(), tokens: IAMTokenProvider())
        let calls = fake.calls()
        _ = try await a.plan(calls.call(params, verb: .plan))
        try fake.server.post("/_fake/expire_tokens")
        let r = try await a.plan(calls.call(params, verb: .plan))
        #expect(r.outputs["would_change"] == true)
        #expect(try fake.int("token_requests") == 2)
        #expect(try fake.int("unauthorized") == 1)
        #expect(calls.logs.all == ["IBM answered 401 to a cached IAM token; asking IAM for a new one and trying once more"])
    }

    @Test func givesUpAfterOneRetryWhenEveryTokenIsRefused() async throws {
        let fake = try IBMFake()
        defer { fake.stop() }
        try fake.server.post("/_fake/config?expires_in=0") // every token is dead on arrival
        let a = IBMAPIKeyAction(.lock, transport: CurlTransport(), settings: fake.settings(), tokens: IAMTokenProvider())
        let e = await actionError { try await a.plan(fake.calls().call(params, verb: .plan)) }
        #expect(e?.retryable == false)
        #expect(e?.message.hasPrefix("IBM IAM did not return API key ApiKey-leaked-1: HTTP 401: BXNIM0302E") == true)
        // One token for plan's identity check, one for the GET, one for its single retry: a zero
        // lifetime means nothing is reused.
        #expect(try fake.int("token_requests") == 3)
        #expect(try fake.int("unauthorized") == 2, "the GET was retried exactly once")
    }

    @Test func readsIdentityClaimsFromTheToken() throws {
        let payload = Data(#"{"iam_id":"iam-ServiceId-x","account":{"bss":"acct-9"}}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        let token = IAMToken(response: ["access_token": .string("h.\(payload).s"), "expires_in": 100], now: Date(timeIntervalSince1970: 0))
        #expect(token?.iamID == "iam-ServiceId-x")
        #expect(token?.accountID == "acct-9")
        #expect(token?.refreshAt == Date(timeIntervalSince1970: 80))
        #expect(token?.expiresAt == Date(timeIntervalSince1970: 100))
        #expect(IAMToken(response: ["access_token": "opaque"], now: Date())?.accountID == nil)
        #expect(IAMToken(response: ["expires_in": 5], now: Date()) == nil)
    }
}
