import Foundation
import Testing
@testable import QRunActions

/// Each SDK credential path under a home directory: what is reported (kind, line, severity) and
/// what SDKs write without a long-lived secret (not reported).
@Suite
struct PreflightHomeTests {
    static let awsSecret = PreflightFixture.pad("qRunC4naryS3cretAccessKey/", to: 40)

    func scan(_ files: [String: String]) throws -> (brief: [String], home: String, report: PreflightReport) {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        for (rel, text) in files { try fx.write("home/" + rel, text) }
        let r = fx.scanHome()
        return (r.brief.map { $0.replacingOccurrences(of: fx.home, with: "~") }, fx.home, r)
    }

    @Test(arguments: [
        (".qiskit/qiskit-ibm.json", "{\"a\": {\"channel\": \"ibm_cloud\",\n \"token\": \"qRunCanaryIbmCloudKey-01\"},\n \"b\": {\"token\": \"qRunCanaryIbmQuantum-02\"}}",
         ["ibm-quantum-token@~/.qiskit/qiskit-ibm.json:2:critical", "ibm-quantum-token@~/.qiskit/qiskit-ibm.json:3:critical"]),
        (".qiskit/qiskitrc", "[ibmq]\ntoken = qRunCanaryRcToken-03\n", ["ibm-quantum-token@~/.qiskit/qiskitrc:2:critical"]),
        (".aws/credentials", "[default]\naws_access_key_id=AKIAQRUNCANARY7X2Q4Z\naws_secret_access_key=\(awsSecret)\n[tmp]\naws_access_key_id = ASIAQRUNCANARY7X2Q4Z\naws_secret_access_key = \(PreflightFixture.pad("qRunTmpSecret/", to: 40))\naws_session_token = IQoJb3JpZ2luX2VjEqRun\n",
         ["aws-access-key@~/.aws/credentials:3:critical", "aws-session-credentials@~/.aws/credentials:6:medium"]),
        (".aws/config", "[profile sso]\nsso_start_url = https://corp.awsapps.com/start\nsso_role_name = Dev\n[profile ci]\nrole_arn = arn:aws:iam::1:role/ci\nsource_profile = sso\n", []),
        (".azure/msal_token_cache.json", "{\"AccessToken\": {\"k1\": {\"secret\": \"qRunCanaryAzureAccess-04\"}},\n\"RefreshToken\": {\"k2\": {\"secret\": \"qRunCanaryAzureRefresh-05\"}},\n\"IdToken\": {\"k3\": {\"secret\": \"qRunCanaryIdToken-06\"}}}",
         ["azure-refresh-token@~/.azure/msal_token_cache.json:2:high", "azure-access-token@~/.azure/msal_token_cache.json:1:medium"]),
        (".azure/accessTokens.json", "[{\"userId\": \"dev@corp\",\n\"refreshToken\": \"qRunCanaryLegacyRefresh-07\",\n\"accessToken\": \"qRunCanaryLegacyAccess-08\"}]",
         ["azure-refresh-token@~/.azure/accessTokens.json:2:high", "azure-access-token@~/.azure/accessTokens.json:3:medium"]),
        (".azure/service_principal_entries.json", "[{\"client_id\": \"app\", \"tenant\": \"t\", \"certificate\": \"/etc/sp.pem\"}]", []),
        (".config/gcloud/application_default_credentials.json", "{\"type\": \"service_account\",\n\"private_key_id\": \"abc\",\n\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIqRunCanary\\n-----END PRIVATE KEY-----\\n\"}",
         ["gcloud-service-account-key@~/.config/gcloud/application_default_credentials.json:3:critical"]),
        (".config/gcloud/legacy_credentials/dev@corp/.boto", "[OAuth2]\nclient_id = 32555940559.apps.googleusercontent.com\n[Credentials]\ngs_oauth2_refresh_token = 1//0qRunCanaryBoto-09\n",
         ["gcloud-refresh-token@~/.config/gcloud/legacy_credentials/dev@corp/.boto:4:high"]),
        (".braket", "BRAKET_API_TOKEN: qRunCanaryBraketFile-10\n", ["braket-credential@~/.braket:1:high"]),
        (".vault-token", "hvb.QRunCanaryBatchToken0123456789abcdef", ["vault-token@~/.vault-token:1:medium"]),
        (".netrc", "machine a login x password qRunCanaryNetrc-11 machine b\nlogin y\npassword qRunCanaryNetrc-12\n",
         ["netrc-password@~/.netrc:1:high", "netrc-password@~/.netrc:3:high"]),
        (".docker/config.json", "{\"auths\": {\"r.example\": {\"identitytoken\": \"qRunCanaryDockerId-13\"}, \"ghcr.io\": {}}, \"credsStore\": \"pass\"}",
         ["docker-registry-auth@~/.docker/config.json:1:high"]),
        (".kube/config", "users:\n- name: a\n  user:\n    client-certificate-data: LS0tQ0VSVA==\n    client-key-data: LS0tLS1CRUdJTqRunCanary\n- name: b\n  user:\n    auth-provider:\n      config:\n        id-token: eyJqRunCanaryIdToken\n",
         ["kube-credential@~/.kube/config:5:high", "kube-credential@~/.kube/config:10:medium"]),
        (".config/gh/hosts.yml", "github.com:\n    oauth_token: gho_qRunCanaryGh14\n    user: dev\n", ["github-cli-token@~/.config/gh/hosts.yml:2:high"]),
    ])
    func location(_ file: String, _ text: String, _ expected: [String]) throws {
        let result = try scan([file: text])
        #expect(result.brief == expected)
        #expect(result.report.filesScanned == 1)
    }

    @Test func credentialsDatabaseIsSearchedAsBytes() throws {
        let db = "SQLite format 3\0\0\0\u{01}{\"refresh_token\": \"1//0qRunCanaryDb-15\", \"type\": \"authorized_user\"}\0\0"
        let result = try scan([".config/gcloud/credentials.db": db])
        #expect(result.brief == ["gcloud-refresh-token@~/.config/gcloud/credentials.db:high"])
    }

    @Test func findingsHoldFingerprintsNotValues() throws {
        let result = try scan([".aws/credentials": "[default]\naws_access_key_id=AKIAQRUNCANARY7X2Q4Z\naws_secret_access_key=\(Self.awsSecret)\n"])
        let f = try #require(result.report.findings.first)
        // sha256("qRunC4naryS3cretAccessKey/n1C5a2N8y4K6x0"), computed with Python's hashlib.
        #expect(Self.awsSecret == "qRunC4naryS3cretAccessKey/n1C5a2N8y4K6x0")
        #expect(f.fingerprint == "sha256:1f6b19220cf4")
        #expect(f.preview == "AKIA…2Q4Z")
        #expect(!f.value.jsonText.contains(Self.awsSecret))
        #expect(!f.value.jsonText.contains("AKIAQRUNCANARY7X2Q4Z"), "the full key id is not shown either")
    }

    @Test func emptyHomeIsClean() throws {
        let result = try scan([:])
        #expect(result.report.findings.isEmpty)
        #expect(result.report.summary == "no long-lived credentials found")
    }
}
