import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `aws.secretsmanager.rotate` against a real moto server with signature checking on.
@Suite(.serialized)
struct AWSSecretsManagerActionTests {
    func versions(_ moto: MotoServer, _ id: String) throws -> [String: [String]] {
        let r = try moto.call("secretsmanager", "describe_secret", ["SecretId": id])
        return r["VersionIdsToStages"] as? [String: [String]] ?? [:]
    }

    func current(_ moto: MotoServer, _ id: String) throws -> (version: String, value: String) {
        let r = try moto.call("secretsmanager", "get_secret_value", ["SecretId": id, "VersionStage": "AWSCURRENT"])
        return (r["VersionId"] as? String ?? "", r["SecretString"] as? String ?? "")
    }

    @Test func rotateStoresOneGeneratedVersionAndVerifiesIt() async throws {
        let moto = try MotoServer(secrets: ["prod/db": "old-password-value"])
        defer { moto.stop() }
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let action = AWSTest.action("aws.secretsmanager.rotate", env: env)
        let params: [String: Value] = ["secret_id": "prod/db", "length": 40]
        let token = AWSSecretsManagerRotateAction.token(AWSTest.call(params, env: env))
        let before = try versions(moto, "prod/db")
        #expect(before.count == 1)

        let plan = try await action.plan(AWSTest.call(params, env: env, verb: .plan))
        #expect(plan.outputs["would_change"] == true)
        #expect(plan.outputs["current_version_id"] == .string(before.keys.first!))
        #expect(plan.outputs["version_id"] == .string(token))
        #expect(try versions(moto, "prod/db") == before, "plan changed nothing")

        let redactor = Redactor()
        let first = try await action.apply(AWSTest.call(params, env: env, redactor: redactor))
        #expect(first.outputs["changed"] == true)
        #expect(first.outputs["version_id"] == .string(token))
        #expect(first.outputs["secret_arn"]?.stringValue?.hasPrefix("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-") == true)
        #expect(Set(first.outputs.keys) == ["secret_arn", "secret_name", "version_id", "changed"], "no value in the outputs")
        let (version, value) = try current(moto, "prod/db")
        #expect(version == token)
        #expect(value.count == 40)
        #expect(value != "old-password-value")
        #expect(redactor.redact("x \(value) y") == "x [REDACTED] y", "the generated value was registered for masking")

        // A resume after a crash between PutSecretValue and the commit: no second version.
        let again = try await action.apply(AWSTest.call(params, env: env))
        #expect(again.outputs["changed"] == false)
        #expect(try versions(moto, "prod/db").count == 2)
        #expect(try current(moto, "prod/db") == (token, value))

        let v = try await action.verify(AWSTest.call(params, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        #expect(v.outputs["version_id"] == .string(token))
        #expect(v.outputs["residual_validity"]?.stringValue?.hasPrefix("The previous value stays retrievable as AWSPREVIOUS") == true)
        AWSTest.expectNoSecrets([value, "old-password-value", moto.admin.secret], results: [plan, first, again, v])
    }

    @Test func rotateStoresAReferencedValueAndVerifiesItsHash() async throws {
        let moto = try MotoServer(secrets: ["prod/api": "old"])
        defer { moto.stop() }
        var env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        env["NEW_API_KEY"] = "new-api-key-value-7f3c"
        let action = AWSTest.action("aws.secretsmanager.rotate", env: env)
        let params: [String: Value] = ["secret_id": "prod/api", "value": "secret:env:NEW_API_KEY"]
        let plan = try await action.plan(AWSTest.call(params, env: env, verb: .plan))
        #expect(plan.summary.hasPrefix("would store a new referenced value in secret prod/api as version "))
        let r = try await action.apply(AWSTest.call(params, env: env))
        #expect(try current(moto, "prod/api").value == "new-api-key-value-7f3c")
        let v = try await action.verify(AWSTest.call(params, env: env, verb: .verify))
        #expect(v.outputs["verified"] == true)
        // Verify with a reference that now points elsewhere notices the difference.
        var changed = env
        changed["NEW_API_KEY"] = "something-else-entirely"
        let mismatch = await AWSTest.failure { try await action.verify(AWSTest.call(params, env: changed, verb: .verify)) }
        #expect(mismatch?.message == "version \(r.outputs["version_id"]!.stringValue!) of secret 'prod/api' does not hold the value of the 'value' reference")
        AWSTest.expectNoSecrets(["new-api-key-value-7f3c", "something-else-entirely"], results: [plan, r, v], errors: [mismatch])

        let literal = await AWSTest.failure { try await action.plan(AWSTest.call(["secret_id": "prod/api", "value": "pasted-literal"], env: env, verb: .plan)) }
        #expect(literal?.message == "parameter 'value' must be a secret reference (secret:env:…, secret:file:…, secret:vault:…)")
        #expect(literal?.message.contains("pasted-literal") == false)
    }

    @Test func verifyNoticesThatAnotherVersionBecameCurrent() async throws {
        let moto = try MotoServer(secrets: ["prod/db": "old"])
        defer { moto.stop() }
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let action = AWSTest.action("aws.secretsmanager.rotate", env: env)
        let params: [String: Value] = ["secret_id": "prod/db"]
        _ = try await action.apply(AWSTest.call(params, env: env))
        _ = try moto.call("secretsmanager", "put_secret_value", ["SecretId": "prod/db", "SecretString": "someone-else",
                                                                  "ClientRequestToken": "99999999-9999-9999-9999-999999999999"])
        let e = await AWSTest.failure { try await action.verify(AWSTest.call(params, env: env, verb: .verify)) }
        #expect(e?.message.hasPrefix("AWSCURRENT of secret 'prod/db' is version 99999999-9999-9999-9999-999999999999, not this step's") == true, "\(e?.message ?? "none")")
        #expect(e?.retryable == false)
    }

    @Test func errorsAreClassified() async throws {
        let moto = try MotoServer(secrets: ["prod/db": "old"])
        defer { moto.stop() }
        let env = AWSTest.env(endpoint: moto.baseURL, id: moto.admin.id, secret: moto.admin.secret)
        let missing = await AWSTest.failure {
            try await AWSTest.action("aws.secretsmanager.rotate", env: env).apply(AWSTest.call(["secret_id": "nope"], env: env))
        }
        #expect(missing?.message == "Secrets Manager has no secret 'nope'; check secret_id and the region (us-east-1)")
        #expect(missing?.retryable == false)
        let limited = AWSTest.env(endpoint: moto.baseURL, id: moto.limited.id, secret: moto.limited.secret)
        let denied = await AWSTest.failure {
            try await AWSTest.action("aws.secretsmanager.rotate", env: limited).apply(AWSTest.call(["secret_id": "prod/db"], env: limited))
        }
        #expect(denied?.message.hasPrefix("Secrets Manager DescribeSecret failed: AccessDenied (HTTP 403): User: arn:aws:iam::123456789012:user/limited is not authorized") == true, "\(denied?.message ?? "none")")
        #expect(denied?.retryable == false)
        #expect(try versions(moto, "prod/db").count == 1)
        let badLength = await AWSTest.failure {
            try await AWSTest.action("aws.secretsmanager.rotate", env: env).plan(AWSTest.call(["secret_id": "prod/db", "length": 8], env: env, verb: .plan))
        }
        #expect(badLength?.message == "parameter 'length' must be a whole number from 16 to 4096")
    }
}
