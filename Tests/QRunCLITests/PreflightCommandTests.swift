import Foundation
import QRunTestSupport
import Testing

/// `qrun preflight` end to end: the built binary against a planted home and project.
/// The scanned home is a separate temp directory given with `--home` (the test workspace is
/// only the working directory), except where the `$HOME` default itself is under test.
@Suite
struct PreflightCommandTests {
    /// A workspace (cwd), a home to scan and a project root, removed afterwards.
    struct Sandbox {
        let ws: TestWorkspace
        let home: String
        let project: String

        init() throws {
            ws = try TestWorkspace("preflight")
            home = URL(fileURLWithPath: ws.home + "/scanned-home").resolvingSymlinksInPath().path
            project = URL(fileURLWithPath: ws.home + "/scanned-project").resolvingSymlinksInPath().path
            for d in [home, project] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        }

        func path(_ relative: String) -> String {
            if relative.hasPrefix("~/") { return home + "/" + relative.dropFirst(2) }
            if relative.hasPrefix("project/") { return project + "/" + relative.dropFirst("project/".count) }
            return relative
        }

        func plant(_ p: PreflightPlant) throws {
            for (rel, text) in p.files {
                let full = path(rel)
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: full, atomically: true, encoding: .utf8)
            }
            if let db = p.sqlite {
                let full = path(db.path)
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let proc = try RunningProcess(executable: "/usr/bin/sqlite3", arguments: [full], environment: [:], cwd: nil, stdin: db.sql)
                #expect(proc.wait(timeout: 30).status == 0, "sqlite3 created \(full)")
            }
        }

        func run(_ args: [String], env: [String: String] = [:]) throws -> ProcessOutput {
            try QRun.run(["preflight"] + args, home: ws.home, env: env)
        }
    }

    static func noCanary(_ canary: String, in out: ProcessOutput) {
        let scanner = CanaryScanner(canary)
        #expect(scanner.find(in: out.stdout) == [], "canary in stdout: \(scanner.find(in: out.stdout))")
        #expect(scanner.find(in: out.stderr) == [], "canary in stderr: \(scanner.find(in: out.stderr))")
    }

    @Test(arguments: PreflightPlant.all)
    func strictFailsOnAPlantedCredential(_ plant: PreflightPlant) throws {
        if plant.sqlite != nil, !FileManager.default.isExecutableFile(atPath: "/usr/bin/sqlite3") {
            Issue.record("sqlite3 is needed to plant a real gcloud credentials.db")
            return
        }
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        try box.plant(plant)
        let args = ["--strict", "--home", box.home, "--path", box.project]

        let human = try box.run(args, env: plant.env)
        #expect(human.status == 1, "exit status under --strict: \(human.stdout) \(human.stderr)")
        let location = box.path(plant.location)
        #expect(human.stdout.contains(" \(plant.kind)  \(location)"), "listed with its location: \(human.stdout)")
        #expect(human.stdout.contains("      fix: "))
        #expect(human.stderr.contains("qrun: preflight failed: 1 long-lived credential at or above low"), "\(human.stderr)")
        Self.noCanary(plant.canary, in: human)

        let json = try box.run(args + ["--json"], env: plant.env)
        #expect(json.status == 1)
        Self.noCanary(plant.canary, in: json)
        let doc = try json.json()
        #expect(doc["count"] as? Int == 1)
        #expect(doc["passed"] as? Bool == false)
        let finding = (doc["findings"] as? [[String: Any]])?.first
        #expect(finding?["kind"] as? String == plant.kind)
        #expect(finding?["location"] as? String == location)
        #expect((finding?["fingerprint"] as? String)?.hasPrefix("sha256:") == true)
        #expect((finding?["fingerprint"] as? String)?.count == 19)

        let lenient = try box.run(["--home", box.home, "--path", box.project], env: plant.env)
        #expect(lenient.status == 0, "without --strict a finding is reported, not fatal")
        Self.noCanary(plant.canary, in: lenient)
    }

    @Test func cleanHomePasses() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let out = try box.run(["--strict", "--home", box.home, "--path", box.project])
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        #expect(out.stdout.hasPrefix("qrun preflight: no long-lived credentials found\nscanned: home \(box.home), \(box.project), environment; 0 files read\n"), "\(out.stdout)")
        #expect(out.stderr == "")
    }

    /// Credential-free configuration the SDKs write: SSO profiles, credential stores, exec
    /// plugins, workload identity federation, placeholders and references in `.env`.
    @Test func realisticCleanConfigurationPasses() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let clean = PreflightPlant(name: "clean", files: [
            "~/.aws/config": "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Dev\n\n[profile ci]\nrole_arn = arn:aws:iam::123456789012:role/ci\nsource_profile = dev\n\n[profile proc]\ncredential_process = /usr/local/bin/fetch-creds\n",
            "~/.docker/config.json": "{\"auths\": {\"ghcr.io\": {}}, \"credsStore\": \"pass\"}\n",
            "~/.kube/config": "users:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, prod]\n",
            "~/.config/gcloud/application_default_credentials.json": "{\"type\": \"external_account\", \"audience\": \"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh\", \"credential_source\": {\"file\": \"/var/run/token\"}}\n",
            "~/.config/gh/hosts.yml": "github.com:\n    git_protocol: https\n    users:\n        dev:\n    user: dev\n",
            "project/.env": "API_TOKEN=\nDB_PASSWORD=${DB_PASSWORD}\nVAULT_TOKEN=secret:vault:kv/agent#token\nAWS_ACCESS_KEY_ID=\nSTRIPE_KEY=<your key here>\nSESSION_TTL=3600\nTOKEN_URL=https://auth.example.com/token\n",
            "project/.env.example": "OPENAI_API_KEY=your-api-key\n",
            "project/README.md": "Set AWS keys with `aws configure` (AKIAIOSFODNN7EXAMPLE is AWS's documented example id).\n",
        ], canary: "unused", kind: "", location: "")
        try box.plant(clean)
        let out = try box.run(["--strict", "--home", box.home, "--path", box.project])
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        #expect(out.stdout.hasPrefix("qrun preflight: no long-lived credentials found\n"), "\(out.stdout)")
    }

    @Test func defaultsToHomeAndChecksTheEnvironment() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        try box.plant(PreflightPlant.all.first { $0.name == "vault-token" }!)
        let token = "ghp_" + PreflightPlant.pad("QRunCanaryEnv", to: 36)
        let out = try box.run(["--strict", "--json", "--path", box.project], env: ["HOME": box.home, "DEPLOY_SETTING": token])
        #expect(out.status == 1)
        let doc = try out.json()
        let locations = (doc["findings"] as? [[String: Any]])?.compactMap { $0["location"] as? String }
        #expect(locations == ["\(box.home)/.vault-token:1", "env:DEPLOY_SETTING"])
        #expect((doc["scanned"] as? [String: Any])?["home"] as? String == box.home)
        Self.noCanary(token, in: out)

        let noEnv = try box.run(["--strict", "--json", "--no-env", "--path", box.project], env: ["HOME": box.home, "DEPLOY_SETTING": token])
        #expect((try noEnv.json())["count"] as? Int == 1, "--no-env leaves the environment out")
    }

    @Test func failOnRaisesTheThreshold() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        try box.plant(PreflightPlant(name: "batch token", files: ["~/.vault-token": "hvb.QRunCanaryBatchToken0123456789abcdef\n"],
                                     canary: "hvb.QRunCanaryBatchToken0123456789abcdef", kind: "vault-token", location: "~/.vault-token:1"))
        let low = try box.run(["--strict", "--home", box.home, "--path", box.project])
        #expect(low.status == 1)
        #expect(low.stdout.contains("  MEDIUM   vault-token  \(box.home)/.vault-token:1"), "\(low.stdout)")
        let high = try box.run(["--strict", "--fail-on", "high", "--home", box.home, "--path", box.project])
        #expect(high.status == 0, "a medium finding does not fail --fail-on high")
        let bad = try box.run(["--fail-on", "severe", "--home", box.home])
        #expect(bad.status == 64)
    }

    @Test func missingHomeOrPathIsAUsageError() throws {
        let box = try Sandbox()
        defer { box.ws.cleanup() }
        let out = try box.run(["--strict", "--home", box.home + "/nope"])
        #expect(out.status == 64)
        #expect(out.stderr == "qrun: \(box.home)/nope does not exist; nothing would be checked there\n")
        let path = try box.run(["--strict", "--home", box.home, "--path", box.project + "/nope"])
        #expect(path.status == 64)
    }
}
