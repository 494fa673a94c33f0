import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `http.request` against a real local server: idempotency header, secrets resolved at use,
/// failure classification, redirects refused.
@Suite
struct HTTPRequestActionTests {
    let action = HTTPRequestAction(transport: CurlTransport())

    func call(_ params: [String: Value], env: [String: String] = [:], redactor: Redactor = Redactor(), verb: ActionVerb = .apply) -> ActionCall {
        ActionCall(runID: "r1", stepID: "s1", attempt: 1, idempotencyKey: "key-123", verb: verb, params: params, timeout: nil,
                   secrets: SecretResolver.standard(redactor: redactor, environment: env, baseDirectory: "/tmp"), log: { _ in })
    }

    @Test func sendsTheIdempotencyKeyAndResolvesSecretHeadersAtUse() async throws {
        let server = try EffectServer()
        defer { server.stop() }
        let redactor = Redactor()
        let r = try await action.apply(call(["method": "POST", "url": .string("\(server.baseURL)/echo/one"),
                                             "headers": ["Authorization": "secret:env:TOKEN"], "body": ["a": 1]],
                                            env: ["TOKEN": "Bearer s3cr3t-value-xyz"], redactor: redactor))
        #expect(r.outputs["status"] == .int(200))
        let received = r.outputs["json"]?["received"]?.stringValue ?? ""
        #expect(received.contains("Bearer s3cr3t-value-xyz"), "the server got the resolved secret")
        #expect(received.contains("\"Idempotency-Key\": \"key-123\""))
        #expect(received.contains("\"Content-Type\": \"application/json\""))
        #expect(redactor.redact(received).contains("[REDACTED]"), "resolving registered the value for masking")
        #expect(!r.summary.contains("s3cr3t"))
    }

    @Test func classifiesFailures() async throws {
        let server = try EffectServer()
        defer { server.stop() }
        func failure(_ path: String) async -> ActionError? {
            do {
                _ = try await action.apply(call(["method": "POST", "url": .string("\(server.baseURL)\(path)")]))
                return nil
            } catch let e as ActionError {
                return e
            } catch {
                return nil
            }
        }
        let e503 = await failure("/status/503/x")
        #expect(e503?.retryable == true)
        let e403 = await failure("/status/403/x")
        #expect(e403?.retryable == false)
        #expect(e403?.message.contains("answered HTTP 403") == true)
        let e429 = await failure("/ratelimit/7/x")
        #expect(e429?.retryable == true)
        #expect(e429?.retryAfter == .seconds(7))
        let redirect = await failure("/redirect/x")
        #expect(redirect?.message.contains("HTTP 302") == true, "redirects are not followed: \(redirect?.message ?? "none")")
        #expect(try server.stats().keys.values.allSatisfy { $0.effects == 0 }, "the redirect target was never reached")
        do {
            _ = try await action.apply(call(["url": "http://127.0.0.1:1/nothing"]))
            Issue.record("a closed port must fail")
        } catch let e as ActionError {
            #expect(e.retryable, "connection refused may be retried")
        }
    }

    @Test func refusesBadParametersClearly() async throws {
        let cases: [([String: Value], String)] = [
            (["url": "ftp://example/x"], "is not an http(s) URL"),
            (["url": "http://127.0.0.1:1/x", "method": "BREW"], "method must be GET"),
            (["url": "http://127.0.0.1:1/x", "headers": ["Bad Name": "x"]], "not a valid header name"),
            (["url": "http://127.0.0.1:1/x", "headers": ["X": "a\r\nInjected: 1"]], "contains a line break"),
            (["url": "secret:env:MISSING"], "MISSING is not set"),
        ]
        for (params, phrase) in cases {
            do {
                _ = try await action.apply(call(params))
                Issue.record("\(params) must be refused")
            } catch let e as ActionError {
                #expect(e.message.contains(phrase), "\(e.message)")
                #expect(!e.retryable)
            }
        }
    }

    @Test func planSendsNothing() async throws {
        let server = try EffectServer()
        defer { server.stop() }
        let r = try await action.plan(call(["method": "POST", "url": .string("\(server.baseURL)/effect/x")], verb: .plan))
        #expect(r.summary == "would send POST \(server.baseURL)/effect/x")
        #expect(try server.stats().requests == 0)
    }
}
