import Foundation
import Testing
@testable import QRunActions

/// What the first corpus run got wrong: empty files, the silent depth limit, a token reported
/// twice, and examples flagged by a rule that had no placeholder filter.
@Suite
struct PreflightRegressionTests {
    @Test func anEmptyFileIsNeitherAFindingNorANote() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        try fx.write("project/.env", "")
        try fx.write("home/.vault-token", "")
        let r = PreflightScanner(home: fx.home, roots: [fx.project]).scan()
        #expect(r.findings.isEmpty, "\(r.brief)")
        #expect(r.notes == [])
        #expect(r.filesScanned == 2)
    }

    @Test func aDotenvNineFoldersDownIsFound() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let secret = PreflightFixture.pad("qRunC4naryDeepSecret/", to: 40)
        let path = try fx.write("project/a/b/c/d/e/f/g/h/i/.env", "AWS_ACCESS_KEY_ID=AKIAQRUNCANARY7X2Q4Z\nAWS_SECRET_ACCESS_KEY=\(secret)\n")
        let r = fx.scanProject()
        #expect(r.brief == ["aws-access-key@\(path):2:critical"])
        #expect(r.notes == [])
    }

    @Test func aTokenWrittenTwiceInOneFileIsOneFinding() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let token = PreflightFixture.pad("gho_QRunCanaryGhCli", to: 40)
        // gh 2.40 and later keep the token under users: and again at the top level.
        try fx.write("home/.config/gh/hosts.yml", "github.com:\n    users:\n        dev:\n            oauth_token: \(token)\n    git_protocol: https\n    oauth_token: \(token)\n    user: dev\n")
        let r = fx.scanHome()
        #expect(r.brief == ["github-cli-token@\(fx.home)/.config/gh/hosts.yml:4:high"])
    }

    @Test(arguments: [
        ("home/.qiskit/qiskitrc", "[ibmq]\ntoken = <your IBM Quantum token>\n"),
        ("home/.netrc", "machine api.example.com login dev password changeme\n"),
        ("home/.vault-token", "${VAULT_TOKEN}\n"),
        ("home/.config/gh/hosts.yml", "github.com:\n    oauth_token: gho_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"),
        ("home/.kube/config", "users:\n- name: a\n  user:\n    token: placeholder-token\n"),
        ("home/.aws/credentials", "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
        ("project/.env.example", "SLACK_BOT_TOKEN=xoxb-your-token\nQISKIT_IBM_TOKEN=qRunTemplateValue-3f5a\n"),
        ("project/README.md", "Example: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
    ])
    func placeholdersAreIgnoredByEveryRule(_ file: String, _ text: String) throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        try fx.write(file, text)
        let r = PreflightScanner(home: fx.home, roots: [fx.project]).scan()
        #expect(r.findings.isEmpty, "\(r.brief)")
    }
}
