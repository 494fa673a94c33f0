import Foundation
import Testing
@testable import QRunActions

/// Credential environment variables: known names, credential-looking names, token shapes.
@Suite
struct PreflightEnvironmentTests {
    func scan(_ env: [String: String]) -> [String] {
        PreflightScanner(home: nil, environment: env).scan().brief
    }

    @Test(arguments: [
        ("QISKIT_IBM_TOKEN", "critical"), ("QISKIT_API_TOKEN", "critical"), ("IBMQ_TOKEN", "critical"), ("IBMCLOUD_API_KEY", "critical"),
        ("AWS_SECRET_ACCESS_KEY", "critical"), ("AWS_SESSION_TOKEN", "medium"), ("AZURE_CLIENT_SECRET", "critical"),
        ("BRAKET_TOKEN", "high"), ("VAULT_TOKEN", "high"), ("GITHUB_TOKEN", "high"), ("MY_SERVICE_PASSWORD", "high"),
    ])
    func knownAndCredentialNamedVariables(_ name: String, _ severity: String) {
        #expect(scan([name: "qRunCanaryEnvValue-01", "PATH": "/usr/bin", "HOME": "/home/dev"]) == ["environment-variable@env:\(name):\(severity)"])
    }

    @Test func awsSecretWithASessionTokenIsSessionCredentials() {
        let brief = scan(["AWS_ACCESS_KEY_ID": "ASIAQRUNCANARY7X2Q4Z", "AWS_SECRET_ACCESS_KEY": "qRunCanarySecret-02", "AWS_SESSION_TOKEN": "IQoJqRunCanary-03"])
        #expect(brief == ["environment-variable@env:AWS_SECRET_ACCESS_KEY:medium", "environment-variable@env:AWS_SESSION_TOKEN:medium"])
    }

    @Test func tokenShapesInAnyVariable() {
        let token = PreflightFixture.pad("ghp_QRunCanary", to: 40)
        #expect(scan(["DEPLOY_SETTING": token]) == ["github-token@env:DEPLOY_SETTING:high"])
    }

    @Test func placeholdersReferencesAndHarmlessNamesAreIgnored() {
        #expect(scan(["API_TOKEN": "", "DB_PASSWORD": "secret:vault:kv/db#password", "VAULT_TOKEN_PATH": "/run/vault/token",
                      "SSH_AUTH_SOCK": "/tmp/ssh-XXXX/agent.1", "AWS_ACCESS_KEY_ID": "AKIAQRUNCANARY7X2Q4Z", "TOKEN_TTL": "3600"]) == [])
    }

    @Test func googleApplicationCredentialsIsFollowedToTheKeyFile() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let key = try fx.write("keys/sa.json", "{\"type\": \"service_account\",\n\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIqRunCanary\\n-----END PRIVATE KEY-----\\n\"}")
        #expect(scan(["GOOGLE_APPLICATION_CREDENTIALS": key]) == ["gcloud-service-account-key@\(key):2:critical"])
    }

    @Test func theFixNamesTheVariable() {
        let f = PreflightScanner(home: nil, environment: ["AWS_SECRET_ACCESS_KEY": "qRunCanarySecret-04"]).scan().findings.first
        #expect(f?.fix == "Unset AWS_SECRET_ACCESS_KEY in the shell that starts the agent (rotate it if an agent already ran with it); inject it only into the process that needs it, from a secret manager, preferring short-lived tokens. For AWS use aws sso login or role sessions instead of access keys.")
    }
}
