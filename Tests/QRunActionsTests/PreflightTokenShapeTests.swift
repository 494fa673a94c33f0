import Foundation
import Testing
@testable import QRunActions

/// Each well-known token shape, found in a project file with its line and severity, and the
/// near-misses that must not be reported.
@Suite
struct PreflightTokenShapeTests {
    static let awsSecret = PreflightFixture.pad("qRunC4naryS3cretAccessKey/", to: 40)

    func scan(_ text: String, name: String = "config.txt") throws -> (PreflightReport, String) {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let path = try fx.write("project/\(name)", text)
        return (fx.scanProject(), path)
    }

    @Test(arguments: [
        ("aws long-term pair", "key_id: AKIAQRUNCANARY7X2Q4Z\nother: 1\nsecret: \(awsSecret)\n", "aws-access-key", 3, PreflightSeverity.critical),
        ("aws session pair", "id=ASIAQRUNCANARY7X2Q4Z secret=\(awsSecret)\n", "aws-session-credentials", 1, .medium),
        ("pem private key", "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIEqRunCanaryKeyBody0123\n-----END RSA PRIVATE KEY-----\n", "private-key", 2, .critical),
        ("slack bot", "hook = \"xoxb-1234567890-qRunCanarySlack\"\n", "slack-token", 1, .high),
        ("github classic", "\n\ntoken \(PreflightFixture.pad("ghp_QRunCanary", to: 40))\n", "github-token", 3, .high),
        ("github fine-grained", "pat: \(PreflightFixture.pad("github_pat_11QRunCanary_", to: 93))\n", "github-token", 1, .high),
        ("vault service", "VAULT=hvs.QRunCanaryVaultToken0123456789abc\n", "vault-token", 1, .high),
        ("vault batch", "t: hvb.QRunCanaryBatchToken0123456789abcdef\n", "vault-token", 1, .medium),
        ("vault legacy", "token = \(PreflightFixture.pad("s.QRunCanary", to: 26))\n", "vault-token", 1, .high),
        ("ibm apikey json", "{\n  \"name\": \"agent\",\n  \"apikey\": \"\(PreflightFixture.pad("qRunCanaryIbmKey_", to: 44))\"\n}\n", "ibm-api-key", 3, .critical),
        ("ibm key in context", "qiskit_token: \(PreflightFixture.pad("qRunCanaryIbmCtx-", to: 44))\n", "ibm-api-key", 1, .critical),
        ("jwt without exp", "Authorization: Bearer \(PreflightFixture.jwt(#"{"sub":"qrun"}"#))\n", "jwt", 1, .high),
        ("jwt expiring soon", "t=\(PreflightFixture.jwt("{\"sub\":\"q\",\"exp\":\(Int(Date().timeIntervalSince1970) + 600)}"))\n", "jwt", 1, .medium),
    ])
    func findsShape(_ name: String, _ text: String, _ kind: String, _ line: Int, _ severity: PreflightSeverity) throws {
        let (report, path) = try scan(text)
        #expect(report.brief == ["\(kind)@\(path):\(line):\(severity.rawValue)"], "\(name)")
    }

    @Test func awsFindingPreviewsOnlyTheKeyID() throws {
        let (report, _) = try scan("aws_access_key_id=AKIAQRUNCANARY7X2Q4Z\naws_secret_access_key=\(Self.awsSecret)\n")
        #expect(report.findings.first?.preview == "AKIA…2Q4Z")
        #expect(report.findings.first?.fingerprint == PreflightFinding.fingerprint(of: Self.awsSecret))
    }

    @Test(arguments: [
        "key id alone AKIAQRUNCANARY7X2Q4Z is only an identifier",
        "git sha 0123456789abcdef0123456789abcdef01234567 near AKIAQRUNCANARY7X2Q4Z",
        "let x = this.s.someLongPropertyNameHere12\n",
        "expired \(PreflightFixture.jwt(#"{"sub":"q","exp":1000}"#))",
        "-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----",
        "slack channel xoxb-short",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFqRunCanary\n-----END ENCRYPTED PRIVATE KEY-----\n",
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00FF\n\nMIIEqRunCanary\n-----END RSA PRIVATE KEY-----\n",
        "aws docs: AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "SLACK_BOT_TOKEN=xoxb-your-token-here",
        "ghp_tooShort123",
    ])
    func ignoresNearMisses(_ text: String) throws {
        let (report, _) = try scan(text)
        #expect(report.findings.isEmpty, "\(report.brief)")
    }
}
