import Foundation
import Testing

/// A canary credential planted where an SDK (or a developer) would leave it, with the finding
/// `qrun preflight` must report for it. `~/` in paths and locations is the scanned home,
/// `project/` the scanned project root.
struct PreflightPlant: Sendable, CustomTestStringConvertible {
    var name: String
    /// Relative path (`~/…` or `project/…`) to file content.
    var files: [String: String] = [:]
    /// A SQLite file to create (`~/…`) with `sqlite3`, and the SQL to run.
    var sqlite: (path: String, sql: String)?
    var env: [String: String] = [:]
    /// The value that must never be printed.
    var canary: String
    var kind: String
    /// Expected location, `~/…:line`, `project/…:line` or `env:NAME`.
    var location: String

    var testDescription: String { name }

    /// Pads `prefix` with alternating letters and digits to exactly `length` characters, so a
    /// canary has the real token's shape.
    static func pad(_ prefix: String, to length: Int) -> String {
        let filler = Array("Q7r3U9n1C5a2N8y4K6x0")
        var s = prefix
        var i = 0
        while s.count < length {
            s.append(filler[i % filler.count])
            i += 1
        }
        return s
    }

    static let awsKeyID = "AKIAQRUNCANARY7X2Q4Z"
    static let awsSecret = pad("qRunC4naryS3cretAccessKey/", to: 40)

    static let all: [PreflightPlant] = [
        PreflightPlant(name: "qiskit-ibm.json", files: ["~/.qiskit/qiskit-ibm.json": """
            {
                "default-ibm-quantum-platform": {
                    "channel": "ibm_quantum_platform",
                    "token": "qrunCanaryIBMQuantumKey-0123456789abcdefXYZ1",
                    "instance": "crn:v1:bluemix:public:quantum-computing:us-east:a/1::"
                }
            }
            """], canary: "qrunCanaryIBMQuantumKey-0123456789abcdefXYZ1", kind: "ibm-quantum-token", location: "~/.qiskit/qiskit-ibm.json:4"),
        PreflightPlant(name: "qiskitrc", files: ["~/.qiskit/qiskitrc": "[ibmq]\ntoken = qRunCanaryQiskitrcToken-5e7a9c\nurl = https://auth.quantum-computing.ibm.com/api\n"],
                       canary: "qRunCanaryQiskitrcToken-5e7a9c", kind: "ibm-quantum-token", location: "~/.qiskit/qiskitrc:2"),
        PreflightPlant(name: "aws credentials", files: ["~/.aws/credentials": "[default]\naws_access_key_id = \(awsKeyID)\naws_secret_access_key = \(awsSecret)\n"],
                       canary: awsSecret, kind: "aws-access-key", location: "~/.aws/credentials:3"),
        PreflightPlant(name: "aws config", files: ["~/.aws/config": "[profile sso]\nsso_session = corp\n\n[profile legacy]\nregion = us-east-1\naws_access_key_id = \(awsKeyID)\naws_secret_access_key = \(awsSecret)\n"],
                       canary: awsSecret, kind: "aws-access-key", location: "~/.aws/config:7"),
        PreflightPlant(name: "azure msal_token_cache.json", files: ["~/.azure/msal_token_cache.json": """
            {"RefreshToken": {"uid.utid-login.microsoftonline.com-refreshtoken-04b07795-": {
              "credential_type": "RefreshToken",
              "secret": "0.AQRunCanaryAzureRefreshToken-5f1e9c2b7a",
              "home_account_id": "uid.utid"}}}
            """], canary: "0.AQRunCanaryAzureRefreshToken-5f1e9c2b7a", kind: "azure-refresh-token", location: "~/.azure/msal_token_cache.json:3"),
        PreflightPlant(name: "azure accessTokens.json", files: ["~/.azure/accessTokens.json": """
            [{"servicePrincipalId": "11111111-2222-3333-4444-555555555555",
              "servicePrincipalTenant": "tenant",
              "accessToken": "qRunCanary~AzureLegacySpSecret.7d3e9a1b5c"}]
            """], canary: "qRunCanary~AzureLegacySpSecret.7d3e9a1b5c", kind: "azure-service-principal-secret", location: "~/.azure/accessTokens.json:3"),
        PreflightPlant(name: "azure service_principal_entries.json", files: ["~/.azure/service_principal_entries.json": """
            [{"client_id": "11111111-2222-3333-4444-555555555555", "tenant": "tenant",
              "client_secret": "qRunCanary~AzureClientSecret.4f6a8c0e2b"}]
            """], canary: "qRunCanary~AzureClientSecret.4f6a8c0e2b", kind: "azure-service-principal-secret", location: "~/.azure/service_principal_entries.json:2"),
        PreflightPlant(name: "gcloud application_default_credentials.json", files: ["~/.config/gcloud/application_default_credentials.json": """
            {
              "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com",
              "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
              "refresh_token": "1//0qRunCanaryGcloudRefreshToken-9a8b7c6d",
              "type": "authorized_user"
            }
            """], canary: "1//0qRunCanaryGcloudRefreshToken-9a8b7c6d", kind: "gcloud-refresh-token",
                       location: "~/.config/gcloud/application_default_credentials.json:4"),
        PreflightPlant(name: "gcloud credentials.db", sqlite: ("~/.config/gcloud/credentials.db", """
            CREATE TABLE IF NOT EXISTS "credentials" (account_id TEXT PRIMARY KEY, value BLOB);
            INSERT INTO credentials VALUES ('dev@example.com', '{"client_id": "x.apps.googleusercontent.com", "refresh_token": "1//0qRunCanaryCredentialsDb-3e5d7f9b", "type": "authorized_user"}');
            """), canary: "1//0qRunCanaryCredentialsDb-3e5d7f9b", kind: "gcloud-refresh-token", location: "~/.config/gcloud/credentials.db"),
        PreflightPlant(name: "gcloud legacy_credentials", files: ["~/.config/gcloud/legacy_credentials/dev@example.com/adc.json": """
            {
              "client_email": "agent@project.iam.gserviceaccount.com",
              "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANqRunCanaryLegacyServiceAccountKey0123\\n-----END PRIVATE KEY-----\\n",
              "type": "service_account"
            }
            """], canary: "MIIEvQIBADANqRunCanaryLegacyServiceAccountKey0123", kind: "gcloud-service-account-key",
                       location: "~/.config/gcloud/legacy_credentials/dev@example.com/adc.json:3"),
        PreflightPlant(name: "braket", files: ["~/.braket/credentials": "# braket\nBRAKET_TOKEN=qRunCanaryBraketToken-2c4e6a\n"],
                       canary: "qRunCanaryBraketToken-2c4e6a", kind: "braket-credential", location: "~/.braket/credentials:2"),
        PreflightPlant(name: "vault-token", files: ["~/.vault-token": "hvs.QRunCanaryVaultTokenAbc0123456789xyz\n"],
                       canary: "hvs.QRunCanaryVaultTokenAbc0123456789xyz", kind: "vault-token", location: "~/.vault-token:1"),
        PreflightPlant(name: "netrc", files: ["~/.netrc": "machine api.example.com\n  login dev\n  password qRunCanaryNetrcPassw0rd-4b2a\n"],
                       canary: "qRunCanaryNetrcPassw0rd-4b2a", kind: "netrc-password", location: "~/.netrc:3"),
        PreflightPlant(name: "docker config.json", files: ["~/.docker/config.json": """
            {
              "auths": {
                "registry.example.com": {
                  "auth": "cXJ1bjpxUnVuQ2FuYXJ5RG9ja2VyUGFzc3cwcmQtNzFjMw=="
                },
                "ghcr.io": {}
              }
            }
            """], canary: "qRunCanaryDockerPassw0rd-71c3", kind: "docker-registry-auth", location: "~/.docker/config.json:4"),
        PreflightPlant(name: "kube config", files: ["~/.kube/config": """
            apiVersion: v1
            kind: Config
            users:
            - name: dev
              user:
                token: qRunCanaryKubeBearerToken-0f9e8d7c6b5a
            """], canary: "qRunCanaryKubeBearerToken-0f9e8d7c6b5a", kind: "kube-credential", location: "~/.kube/config:6"),
        PreflightPlant(name: "gh hosts.yml", files: ["~/.config/gh/hosts.yml": "github.com:\n    user: dev\n    oauth_token: gho_QRunCanaryGhCliToken0123456789abcdef\n    git_protocol: https\n"],
                       canary: "gho_QRunCanaryGhCliToken0123456789abcdef", kind: "github-cli-token", location: "~/.config/gh/hosts.yml:3"),
        PreflightPlant(name: "project .env", files: ["project/.env": "APP_NAME=demo\nQISKIT_IBM_TOKEN=\"qRunCanaryDotenvToken-8d6f4b2a\"\n"],
                       canary: "qRunCanaryDotenvToken-8d6f4b2a", kind: "dotenv-secret", location: "project/.env:2"),
        PreflightPlant(name: "project .env.local", files: ["project/app/.env.local": "export DATABASE_PASSWORD=qRunCanaryEnvLocalPass-1a3c # local\n"],
                       canary: "qRunCanaryEnvLocalPass-1a3c", kind: "dotenv-secret", location: "project/app/.env.local:1"),
        PreflightPlant(name: "private key in project", files: ["project/deploy/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAqRunCanaryPrivateKeyBody0123456789\n-----END OPENSSH PRIVATE KEY-----\n"],
                       canary: "b3BlbnNzaC1rZXktdjEAAAAAqRunCanaryPrivateKeyBody0123456789", kind: "private-key", location: "project/deploy/id_ed25519:1"),
        PreflightPlant(name: "github token in project script", files: ["project/scripts/push.sh": "#!/bin/sh\ncurl -H \"Authorization: token \(pad("ghp_QRunCanaryPat", to: 40))\" https://api.github.com/user\n"],
                       canary: pad("ghp_QRunCanaryPat", to: 40), kind: "github-token", location: "project/scripts/push.sh:2"),
        PreflightPlant(name: "environment QISKIT_IBM_TOKEN", env: ["QISKIT_IBM_TOKEN": "qRunCanaryEnvIbmToken-6b8d0f2a"],
                       canary: "qRunCanaryEnvIbmToken-6b8d0f2a", kind: "environment-variable", location: "env:QISKIT_IBM_TOKEN"),
        PreflightPlant(name: "environment AWS_SECRET_ACCESS_KEY", env: ["AWS_ACCESS_KEY_ID": awsKeyID, "AWS_SECRET_ACCESS_KEY": awsSecret],
                       canary: awsSecret, kind: "environment-variable", location: "env:AWS_SECRET_ACCESS_KEY"),
    ]
}
