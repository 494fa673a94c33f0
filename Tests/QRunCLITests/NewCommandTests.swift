import Foundation
import QRunTestSupport
import Testing

/// `qrun new NAME [--from TEMPLATE]`: the scaffold validates and plans as written, is 0600, never
/// replaces a file, and a bad name is refused with a name that would work.
@Suite struct NewCommandTests {
    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test(arguments: [nil, "basic", "containment"])
    func eachTemplateValidatesAndPlansAsWritten(_ template: String?) throws {
        let ws = try TestWorkspace("new-template")
        defer { ws.cleanup() }
        let out = try QRun.run(["new", "token-sweep"] + (template.map { ["--from", $0] } ?? []), home: ws.home)
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        let path = ws.home + "/runbooks/token-sweep.yaml"
        #expect(out.stdout.contains(path), "\(out.stdout)")
        #expect(try Self.mode(path) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("# token-sweep, version 1\n"), "the documentation header comes first")
        for part in ["# When to use:", "# Inputs:", "# What it changes:", "# What it cannot undo:", "runbook: token-sweep", "version: 1"] {
            #expect(text.contains(part), "\(part) in\n\(text)")
        }
        let validate = try QRun.run(["validate", "token-sweep"], home: ws.home)
        #expect(validate.status == 0, "\(validate.stdout) \(validate.stderr)")
        let plan = try QRun.run(["plan", "token-sweep", "--input", "target=tok-1"], home: ws.home)
        #expect(plan.status == 0, "\(plan.stdout) \(plan.stderr)")
        #expect(plan.stdout.contains("contain"), "\(plan.stdout)")
    }

    @Test func anExistingFileIsNeverReplaced() throws {
        let ws = try TestWorkspace("new-exists")
        defer { ws.cleanup() }
        let original = "runbook: mine\nversion: 3\nsteps:\n  - { id: a, uses: core.noop }\n"
        let path = try ws.write(runbook: "mine", original)
        let out = try QRun.run(["new", "mine"], home: ws.home)
        #expect(out.status == 64, "\(out.stdout) \(out.stderr)")
        #expect(out.stderr == "qrun: \(path) already exists; pick another name, or edit that file and bump its version\n", "\(out.stderr)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }

    @Test(arguments: [("Token Sweep", "token-sweep"), ("_leak", "leak"), ("ÄPI_key!", "pi_key"), ("../escape", "escape")])
    func aBadNameIsRefusedWithOneThatWorks(_ name: String, _ suggestion: String) throws {
        let ws = try TestWorkspace("new-bad")
        defer { ws.cleanup() }
        let out = try QRun.run(["new", name], home: ws.home)
        #expect(out.status == 64, "\(out.stdout) \(out.stderr)")
        #expect(out.stderr.contains("is not a runbook name") && out.stderr.contains("try '\(suggestion)'"), "\(out.stderr)")
        #expect(!out.stderr.contains("Error:") && out.stderr.split(separator: "\n").count == 1, "one sentence: \(out.stderr)")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: ws.home + "/runbooks"))?.isEmpty ?? true, "nothing written")
        let fixed = try QRun.run(["new", suggestion], home: ws.home)
        #expect(fixed.status == 0, "the suggestion works: \(fixed.stderr)")
    }

    @Test func anExistingRunbookIsCopiedUnderTheNewNameAtVersionOne() throws {
        let ws = try RunbookLibrary.workspace("new-from", ["credential-leak"])
        defer { ws.cleanup() }
        let out = try QRun.run(["new", "credential-leak-eu", "--from", "credential-leak"], home: ws.home)
        #expect(out.status == 0, "\(out.stdout) \(out.stderr)")
        let text = try String(contentsOfFile: ws.home + "/runbooks/credential-leak-eu.yaml", encoding: .utf8)
        #expect(text.hasPrefix("# credential-leak-eu, version 1 (from credential-leak)\n"))
        #expect(text.contains("\nrunbook: credential-leak-eu\nversion: 1\n"))
        let validate = try QRun.run(["validate", "credential-leak-eu", "--json"], home: ws.home)
        #expect(validate.status == 0, "\(validate.stdout) \(validate.stderr)")

        let unknown = try QRun.run(["new", "other", "--from", "nosuch"], home: ws.home)
        #expect(unknown.status == 64)
        #expect(unknown.stderr == "qrun: no template or runbook 'nosuch'; templates: basic, containment\n", "\(unknown.stderr)")
    }
}
