import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// The IBM and OAuth descriptors as the runbook validator sees them: the shipped shape validates,
/// a pasted secret is refused, and the action names are registered.
@Suite
struct IBMRunbookValidationTests {
    var registry: ActionRegistry {
        var r = ActionRegistry.core
        let settings = ProviderSettings(config: [:], environment: [:])
        for a in IBMActions.all(transport: CurlTransport(), settings: settings) + OAuthActions.all(transport: CurlTransport(), settings: settings) {
            r.register(a)
        }
        return r
    }

    @Test func registersTheActionNames() {
        #expect(registry.actionNames.filter { $0.hasPrefix("ibm.") || $0.hasPrefix("oauth.") }
                == ["ibm.apikey.delete", "ibm.apikey.disable", "ibm.apikey.lock", "ibm.quantum.jobs.cancel", "oauth.token.revoke"])
        #expect(registry.descriptor(for: "ibm.apikey.disable")?.supportsVerify == true)
    }

    @Test func aContainmentRunbookValidates() throws {
        let text = """
        runbook: ibm-leak
        version: 1
        inputs:
          token_id: { type: string, required: true }
        steps:
          - id: disable
            uses: ibm.apikey.disable
            with: { apikey_id: "${{ inputs.token_id }}", leaked_apikey: "secret:env:LEAKED_IBM_KEY" }
          - id: jobs
            uses: ibm.quantum.jobs.cancel
            needs: [disable]
            with: { created_after: 24h, tags: [nightly], backend: ibm_fez }
          - id: revoke
            uses: oauth.token.revoke
            with: { token: "secret:env:LEAKED_REFRESH", token_type_hint: refresh_token, client_secret: "secret:file:/run/oauth-secret" }
        """
        let runbook = try RunbookLoader(catalog: registry).load(text: text, path: "ibm-leak.yaml")
        #expect(runbook.steps.map(\.id) == ["disable", "jobs", "revoke"])
    }

    @Test func refusesAPastedKeyOrToken() {
        let text = """
        runbook: pasted
        version: 1
        steps:
          - id: disable
            uses: ibm.apikey.disable
            with: { apikey_id: ApiKey-1, leaked_apikey: "leaked-apikey-value-1111" }
          - id: revoke
            uses: oauth.token.revoke
            with: { token: "eyJhbGciOi.pasted.token" }
        """
        do {
            _ = try RunbookLoader(catalog: registry).load(text: text, path: "pasted.yaml")
            Issue.record("a pasted secret must be refused")
        } catch {
            let issues = error.issues.map(\.message)
            #expect(issues.count == 2)
            #expect(issues.allSatisfy { $0.contains("must be a secret reference") })
            #expect(!"\(error)".contains("leaked-apikey-value-1111"))
        }
    }
}
