import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// `azure.keyvault.secret.rotate` against the fake Key Vault.
@Suite
struct AzureKeyVaultRotateTests {
    static let oldValue = "Old~CANARY-quantum-connection-string-31"

    func params(_ fake: AzureFake, _ extra: [String: Value] = [:]) -> [String: Value] {
        ["vault_url": .string(fake.vault), "name": "quantum-api-key"].merging(extra) { $1 }
    }

    /// Seeds `quantum-api-key` with one version; returns its version id.
    func seed(_ fake: AzureFake, name: String = "quantum-api-key", value: String = oldValue, enabled: Bool = true) async throws -> String {
        try await fake.control("/_fake/secrets", ["name": .string(name), "value": .string(value), "enabled": .bool(enabled)])["version"]?.stringValue ?? ""
    }

    func versions(_ fake: AzureFake, _ name: String = "quantum-api-key") async throws -> [Value] {
        try await fake.state()["secrets"]?[name]?.arrayValue ?? []
    }

    func mutations(_ fake: AzureFake) async throws -> (set: Int, update: Int) {
        let m = try await fake.state()["mutations"]
        return (m?["setSecret"]?.intValue ?? -1, m?["updateSecret"]?.intValue ?? -1)
    }

    @Test func planReadsTheCurrentVersionAndWritesNothing() async throws {
        let fake = try await AzureFake()
        let old = try await seed(fake)
        let rotate = fake.actions().rotate
        let redactor = Redactor()
        let r = try await rotate.plan(fake.call(params(fake), verb: .plan, redactor: redactor))
        #expect(r.outputs["current_version"] == .string(old))
        #expect(r.outputs["already_rotated"] == false)
        #expect(r.summary == "would set a new version of secret 'quantum-api-key' in \(fake.vault) (a generated 32-character value) and disable version \(old)")
        #expect(try await mutations(fake) == (0, 0))
        #expect(redactor.redact("x \(Self.oldValue)") == "x [REDACTED]", "the value read with the current version is masked")

        let missing = try await rotate.plan(fake.call(params(fake, ["name": "not-there"]), verb: .plan))
        #expect(missing.outputs["current_version"] == .null)
        #expect(missing.summary.hasSuffix("the secret does not exist yet, so this creates it"))
    }

    @Test func applyWritesOnceDisablesThePreviousAndIsIdempotent() async throws {
        let fake = try await AzureFake()
        let old = try await seed(fake)
        let rotate = fake.actions().rotate
        let redactor = Redactor()
        let first = try await rotate.apply(fake.call(params(fake), redactor: redactor))
        let version = try #require(first.outputs["version"]?.stringValue)
        #expect(version != old)
        #expect(first.outputs["previous_version"] == .string(old))
        #expect(first.outputs["previous_disabled"] == true)
        #expect(first.outputs["already_rotated"] == false)
        #expect(first.outputs["secret_id"] == .string("\(fake.vault)/secrets/quantum-api-key/\(version)"))
        let text = Value.object(first.outputs).jsonText + first.summary
        #expect(redactor.redact(text) == text, "no registered secret (old or generated value) in outputs or summary")

        let stored = try await versions(fake)
        #expect(stored.count == 2)
        let mine = try #require(stored.first { $0["version"]?.stringValue == version })
        #expect(mine["tags"]?["qrun-idempotency-key"] == "6f1c2a9e-0d4b-4e8a-9b7c-3a2d1e0f9c8b")
        #expect(mine["tags"]?["qrun-previous-version"] == .string(old))
        #expect(mine["value_length"] == 32)
        #expect(mine["enabled"] == true)
        #expect(stored.first { $0["version"]?.stringValue == old }?["enabled"] == false)

        let again = try await rotate.apply(fake.call(params(fake)))
        #expect(again.outputs["version"] == .string(version))
        #expect(again.outputs["previous_version"] == .string(old))
        #expect(again.outputs["already_rotated"] == true)
        #expect(try await versions(fake).count == 2)
        #expect(try await mutations(fake).set == 1, "no second write")

        let other = try await rotate.apply(fake.call(params(fake), key: "0aa11bb2-2cc3-4dd4-8ee5-5ff66aa77bb8"))
        #expect(other.outputs["previous_version"] == .string(version), "another step's key rotates again")
        #expect(try await mutations(fake).set == 2)
    }

    @Test func aCrashAfterThePutResumesWithoutASecondVersion() async throws {
        let fake = try await AzureFake()
        let old = try await seed(fake)
        let rotate = fake.actions().rotate
        try await fake.fault("/kv/secrets/quantum-api-key", status: 503, method: "PUT", after: true)
        let lost = await azureFailure { try await rotate.apply(fake.call(params(fake))) }
        #expect(lost?.retryable == true, "\(lost?.message ?? "none")")
        let afterCrash = try await versions(fake)
        #expect(afterCrash.count == 2, "Key Vault stored the new version")
        #expect(afterCrash.first { $0["version"]?.stringValue == old }?["enabled"] == true, "the previous version was not yet disabled")

        let resumed = try await rotate.apply(fake.call(params(fake)))
        #expect(resumed.outputs["already_rotated"] == true)
        #expect(resumed.outputs["previous_version"] == .string(old))
        #expect(resumed.outputs["previous_disabled"] == true)
        #expect(try await versions(fake).count == 2)
        #expect(try await mutations(fake) == (1, 1))
    }

    @Test func theValueMayComeFromASecretReference() async throws {
        let fake = try await AzureFake()
        _ = try await seed(fake)
        let newValue = "New~CANARY-value-from-reference-808"
        let env = fake.environment.merging(["NEW_QUANTUM_KEY": newValue]) { $1 }
        let rotate = fake.actions(env).rotate
        let p = params(fake, ["value": "secret:env:NEW_QUANTUM_KEY"])
        let plan = try await rotate.plan(fake.call(p, verb: .plan, env: env))
        #expect(plan.summary.contains("(the value from the given secret reference)"))
        let r = try await rotate.apply(fake.call(p, env: env))
        let stored = try await versions(fake).first { $0["version"] == r.outputs["version"] }
        #expect(stored?["value_sha256"] == .string(Digest.sha256Hex(newValue)))
        for text in [plan.summary, r.summary, Value.object(r.outputs).jsonText, Value.object(plan.outputs).jsonText] {
            #expect(CanaryScanner(newValue).find(in: text).isEmpty)
        }

        let missing = await azureFailure { try await rotate.plan(fake.call(params(fake, ["value": "secret:env:NOT_SET_ANYWHERE"]), verb: .plan, env: env)) }
        #expect(missing?.message.contains("NOT_SET_ANYWHERE is not set") == true)
        let literal = await azureFailure { try await rotate.apply(fake.call(params(fake, ["value": "Pasted~CANARY-literal-1"]), env: env)) }
        #expect(literal?.message.contains("value must be a secret reference") == true)
        let literalMessage = literal?.message ?? ""
        #expect(CanaryScanner("Pasted~CANARY-literal-1").find(in: literalMessage) == [])
    }

    @Test func createsAMissingSecretAndCanLeaveThePreviousEnabled() async throws {
        let fake = try await AzureFake()
        let rotate = fake.actions().rotate
        let created = try await rotate.apply(fake.call(params(fake, ["name": "fresh-secret", "length": 48])))
        #expect(created.outputs["previous_version"] == .null)
        #expect(created.outputs["previous_disabled"] == false)
        #expect(try await versions(fake, "fresh-secret").first?["value_length"] == 48)

        let old = try await seed(fake)
        let kept = try await rotate.apply(fake.call(params(fake, ["disable_previous": false])))
        #expect(kept.outputs["previous_version"] == .string(old))
        #expect(kept.outputs["previous_disabled"] == false)
        #expect(try await versions(fake).first { $0["version"]?.stringValue == old }?["enabled"] == true)
        #expect(try await rotate.verify(fake.call(params(fake, ["disable_previous": false]), verb: .verify)).outputs["verified"] == true)
    }

    @Test func verifyChecksOursIsCurrentAndThePreviousIsDisabled() async throws {
        let fake = try await AzureFake()
        let old = try await seed(fake)
        let rotate = fake.actions().rotate
        let early = await azureFailure { try await rotate.verify(fake.call(params(fake), verb: .verify)) }
        #expect(early?.message.contains("the rotation has not been applied") == true)

        let applied = try await rotate.apply(fake.call(params(fake)))
        let r = try await rotate.verify(fake.call(params(fake), verb: .verify))
        #expect(r.outputs["verified"] == true)
        #expect(r.outputs["version"] == applied.outputs["version"])
        #expect(r.outputs["previous_version"] == .string(old))
        #expect(r.outputs["residual_validity"]?.stringValue?.contains("stays valid wherever it is accepted") == true)

        _ = try await seed(fake, value: "someone-else-wrote-this")
        let superseded = await azureFailure { try await rotate.verify(fake.call(params(fake), verb: .verify)) }
        #expect(superseded?.message.contains("not \(applied.outputs["version"]?.stringValue ?? "?") written by this step") == true)
    }

    @Test func findsItsOwnVersionOnALaterPageAndCopesWithADisabledCurrentVersion() async throws {
        let fake = try await AzureFake()
        try await fake.control("/_fake/config", ["page_size": 2])
        for i in 0..<4 { _ = try await seed(fake, value: "filler-value-\(i)") }
        let disabled = try await seed(fake, value: "disabled-current-value", enabled: false)
        let rotate = fake.actions().rotate
        let plan = try await rotate.plan(fake.call(params(fake), verb: .plan))
        #expect(plan.outputs["current_version"] == .string(disabled), "a disabled current version is found through the listing")
        let first = try await rotate.apply(fake.call(params(fake)))
        #expect(first.outputs["previous_version"] == .string(disabled))
        let again = try await rotate.apply(fake.call(params(fake)))
        #expect(again.outputs["already_rotated"] == true)
        #expect(again.outputs["version"] == first.outputs["version"])
        #expect(try await mutations(fake).set == 1)
        let listings = try await fake.state()["requests"]?.arrayValue?.compactMap(\.stringValue).filter { $0 == "GET /kv/secrets/quantum-api-key/versions" }
        // plan: disabled current → listing, then its own listing; apply: listing, disabled current →
        // listing; second apply: one listing. Three pages (two versions each) per listing.
        #expect(listings?.count == 15, "every page of every listing was followed")
    }

    @Test func failuresSayWhetherARetryMayHelp() async throws {
        let fake = try await AzureFake(vaultPermissions: ["get", "list"])
        _ = try await seed(fake)
        let rotate = fake.actions().rotate
        _ = try await rotate.plan(fake.call(params(fake), verb: .plan))
        let denied = await azureFailure { try await rotate.apply(fake.call(params(fake))) }
        #expect(denied?.retryable == false)
        #expect(denied?.message.contains("HTTP 403 Forbidden/AccessDenied") == true, "\(denied?.message ?? "")")
        #expect(denied?.message.contains("does not have secrets set permission") == true)
        #expect(denied?.message.contains("Key Vault Secrets Officer") == true)

        try await fake.fault("/kv", status: 429, retryAfter: 4)
        let limited = await azureFailure { try await rotate.plan(fake.call(params(fake), verb: .plan)) }
        #expect(limited?.retryable == true)
        #expect(limited?.retryAfter == .seconds(4))
        #expect(limited?.message.contains("Throttled") == true)
        try await fake.fault("/kv", status: 503)
        #expect(await azureFailure { try await rotate.plan(fake.call(params(fake), verb: .plan)) }?.retryable == true)
        #expect(try await mutations(fake) == (0, 0))

        for (p, phrase) in [(["vault_url": "https://evil.example.com"], "is not a Key Vault address"),
                            (["vault_url": "http://10.0.0.1/kv"], "must use https"),
                            (["name": "bad/name"], "is not a Key Vault secret name"),
                            (["length": 8], "length must be between 16 and 1024"),
                            (["value": "secret:env:X", "length": 40], "not both")] as [([String: Value], String)] {
            let e = await azureFailure { try await rotate.apply(fake.call(params(fake, p))) }
            #expect(e?.message.contains(phrase) == true, "\(p): \(e?.message ?? "none")")
            #expect(e?.retryable == false)
        }
    }

    @Test func credentialsNeverAppearInOutputsSummariesOrErrors() async throws {
        let fake = try await AzureFake()
        _ = try await seed(fake)
        let rotate = fake.actions().rotate
        let redactor = Redactor()
        var texts: [String] = []
        let plan = try await rotate.plan(fake.call(params(fake), verb: .plan, redactor: redactor))
        let apply = try await rotate.apply(fake.call(params(fake), redactor: redactor))
        let verify = try await rotate.verify(fake.call(params(fake), verb: .verify, redactor: redactor))
        for r in [plan, apply, verify] { texts += [r.summary, Value.object(r.outputs).jsonText] }
        let env = fake.environment.merging(["AZURE_CLIENT_SECRET": "Wrong~CANARY-kv-secret-77"]) { $1 }
        let e = await azureFailure { try await fake.actions(env).rotate.apply(fake.call(params(fake), env: env)) }
        texts.append(e?.message ?? "")
        for canary in [AzureFake.operatorSecret, Self.oldValue, "Wrong~CANARY-kv-secret-77"] {
            for t in texts { #expect(CanaryScanner(canary).find(in: t).isEmpty, "\(canary) in \(t)") }
        }
        for t in texts { #expect(redactor.redact(t) == t, "a registered secret (token, generated value) leaked into: \(t)") }
    }
}
