import Foundation
import Testing
@testable import QRunActions

/// Walking project roots: dotenv files, skipped tool directories, symbolic links, limits.
@Suite
struct PreflightTreeTests {
    @Test func dotenvFilesReportSecretsButNotPlaceholdersOrReferences() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        try fx.write("project/.env", """
            # local settings
            APP_ENV=development
            export STRIPE_KEY='qRunCanaryStripe-01'
            VAULT_TOKEN=secret:vault:kv/agent#token
            DB_PASSWORD=${DB_PASSWORD}
            API_TOKEN=
            AWS_ACCESS_KEY_ID=AKIAQRUNCANARY7X2Q4Z
            SESSION_TTL=3600
            IBMCLOUD_API_KEY="qRunCanaryIbmCloud-02"
            """)
        try fx.write("project/svc/.envrc", "export GITLAB_TOKEN=qRunCanaryGitlab-03\n")
        // A template's name-only values are decoys; a generated-looking value there is reported.
        let generated = PreflightFixture.pad("qRunCanaryDeployKey", to: 40)
        try fx.write("project/.env.sample", "SLACK_WEBHOOK=https-hooks-qRunCanary-04\nDEPLOY_KEY=\(generated)\n")
        let r = fx.scanProject()
        #expect(r.brief == ["dotenv-secret@\(fx.project)/.env:9:critical", "dotenv-secret@\(fx.project)/.env.sample:2:high",
                            "dotenv-secret@\(fx.project)/.env:3:high", "dotenv-secret@\(fx.project)/svc/.envrc:1:high"])
    }

    @Test func skipsToolDirectoriesAndDoesNotFollowLinksOutOfTheRoot() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let secret = "GITHUB_TOKEN=\(PreflightFixture.pad("ghp_QRunCanary", to: 40))\n"
        for dir in [".git", "node_modules/pkg", ".build/debug"] { try fx.write("project/\(dir)/.env", secret) }
        let outside = try fx.write("outside/.env", secret)
        try FileManager.default.createSymbolicLink(atPath: fx.project + "/linked.env", withDestinationPath: outside)
        try FileManager.default.createSymbolicLink(atPath: fx.project + "/linked-dir", withDestinationPath: fx.root + "/outside")
        let r = fx.scanProject()
        #expect(r.findings.isEmpty, "\(r.brief)")
        #expect(r.notes == ["did not follow 2 symbolic link(s) under the scanned paths"])
    }

    @Test func binaryAndOversizedFilesAreSkippedAndNoted() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let token = PreflightFixture.pad("ghp_QRunCanary", to: 40)
        try fx.write("project/blob.bin", "\0\u{01}\u{02}" + token)
        try fx.write("project/big.log", String(repeating: "x", count: 2_000) + token)
        try fx.write("project/small.txt", "ok")
        let r = fx.scanProject(limits: PreflightLimits(maxFileBytes: 1_000))
        #expect(r.findings.isEmpty)
        #expect(r.filesScanned == 1)
        #expect(r.notes == ["skipped 1 file(s) larger than 1000 bytes", "skipped 1 binary file(s)"])
    }

    @Test func depthAndFileLimitsBoundTheWalk() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let token = PreflightFixture.pad("ghp_QRunCanary", to: 40)
        try fx.write("project/a/b/c/deep.txt", token)
        try fx.write("project/a/shallow.txt", token)
        let shallow = fx.scanProject(limits: PreflightLimits(maxDepth: 2))
        #expect(shallow.brief == ["github-token@\(fx.project)/a/shallow.txt:1:high"])
        #expect(shallow.notes == ["did not enter 1 folder(s) at the depth limit (2 levels below a scanned path), first \(fx.project)/a/b; pass it as a --path to scan it"])
        let capped = fx.scanProject(limits: PreflightLimits(maxFiles: 1))
        #expect(capped.filesScanned == 1)
        #expect(capped.notes == ["stopped after 1 files; scan narrower paths to cover the rest"])
    }

    @Test func aFileReachedFromHomeAndRootIsReportedOnce() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        try fx.write("home/.aws/credentials", "[default]\naws_access_key_id=AKIAQRUNCANARY7X2Q4Z\naws_secret_access_key=\(PreflightFixture.pad("qRunC4nary/", to: 40))\n")
        let r = PreflightScanner(home: fx.home, roots: [fx.home]).scan()
        #expect(r.brief == ["aws-access-key@\(fx.home)/.aws/credentials:3:critical"])
    }

    @Test func aRootMayBeASingleFile() throws {
        let fx = try PreflightFixture()
        defer { fx.cleanup() }
        let path = try fx.write("project/notes.md", "slack: xoxp-1234567890-qRunCanary\n")
        #expect(PreflightScanner(home: nil, roots: [path]).scan().brief == ["slack-token@\(path):1:high"])
    }
}
