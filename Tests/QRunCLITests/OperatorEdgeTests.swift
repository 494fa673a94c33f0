import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Settings and flags a tired operator gets wrong get a clear message, never a crash; the small
/// promises of the CLI hold whichever path a command takes.
@Suite
struct OperatorEdgeTests {
    static let tiny = StateTrustTests.tiny

    @Test(arguments: ["2147483648", "inf", "nan", "-1", "1e3", "ten", ""])
    func aBadBusyTimeoutIsAClearErrorNotACrash(_ value: String) throws {
        let ws = try TestWorkspace("busy")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        let out = try QRun.run(["run", "tiny"], home: ws.home, env: ["QRUN_BUSY_TIMEOUT_MS": value])
        #expect(!out.killedBySignal, "\(out.stderr)")
        #expect(out.status == 64, "\(out.stderr)")
        #expect(out.stderr.contains("QRUN_BUSY_TIMEOUT_MS must be a whole number of milliseconds"), "\(out.stderr)")
        #expect(!out.stderr.contains("Fatal error") && !out.stderr.contains("backtrace"))
    }

    @Test func expectHeadAcceptsWhatAPersonPastesAndRejectsWhatIsNotAHead() throws {
        let ws = try TestWorkspace("head")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        let verify = try QRun.run(["audit", "verify", "--json"], home: ws.home).json()
        let seq = try #require(verify["head_seq"] as? Int)
        let hash = try #require(verify["head_hash"] as? String)
        for pasted in ["\(seq):\(hash.uppercased())", "\(seq):\(hash) ", " \(seq):\(hash)\n"] {
            let out = try QRun.run(["audit", "verify", "--expect-head", pasted], home: ws.home)
            #expect(out.status == 0, "'\(pasted)': \(out.stdout)\(out.stderr)")
        }
        for bad in ["\(seq)", "x:\(hash)", "\(seq):\(hash.prefix(10))", "\(seq):\(hash)zz", "0:\(hash)"] {
            let out = try QRun.run(["audit", "verify", "--expect-head", bad], home: ws.home)
            #expect(out.status == 64, "'\(bad)': \(out.status) \(out.stdout)")
            #expect(out.stderr.contains("--expect-head takes SEQ:HASH"), "\(out.stderr)")
        }
        let other = String(repeating: "a", count: 64)
        let tampered = try QRun.run(["audit", "verify", "--expect-head", "\(seq):\(other)"], home: ws.home)
        #expect(tampered.status == 1, "a well-formed head that does not match is a broken chain")
    }

    @Test func runsListRefusesALimitOfZero() throws {
        let ws = try TestWorkspace("limit")
        defer { ws.cleanup() }
        try ws.write(runbook: "tiny", Self.tiny)
        #expect(try QRun.run(["run", "tiny"], home: ws.home).status == 0)
        let out = try QRun.run(["runs", "list", "--limit", "0", "--json"], home: ws.home)
        #expect(out.status == 64)
        #expect(out.stderr.contains("--limit must be from 1"), "\(out.stderr)")
        let one = try QRun.run(["runs", "list", "--limit", "1", "--json"], home: ws.home)
        #expect((try one.json()["runs"] as? [Any])?.count == 1)
    }

    @Test func cancelExitsZeroWhenTheRunEndsCancelledWhetherOrNotAnOwnerIsLive() throws {
        let ws = try TestWorkspace("cancel")
        defer { ws.cleanup() }
        // Long enough that the cancel always lands while it sleeps, however loaded the machine.
        try ws.write(runbook: "slow", RunOwnershipTests.slow.replacingOccurrences(of: "duration: 4s", with: "duration: 120s"))
        try ws.write(runbook: "gate", """
            runbook: gate
            version: 1
            steps:
              - id: gate
                uses: core.approval
            """)
        // Nobody owns a run paused for approval.
        let paused = try QRun.run(["run", "gate", "--no-wait", "--json"], home: ws.home)
        let pausedID = try #require(try paused.json()["run_id"] as? String)
        let unowned = try QRun.run(["cancel", pausedID], home: ws.home)
        #expect(unowned.status == 0, "\(unowned.stdout)\(unowned.stderr)")
        // A live process owns the sleeping run.
        let owner = try QRun.start(["run", "slow"], home: ws.home)
        let runID = try RunOwnershipTests().waitUntilRunning(ws)
        let owned = try QRun.run(["cancel", runID], home: ws.home)
        #expect(owned.status == 0, "\(owned.stdout)\(owned.stderr)")
        #expect(owner.wait(timeout: 30).status == 4, "the owner reports the run it ran as cancelled")
        for id in [pausedID, runID] {
            #expect(try QRun.run(["runs", "show", id, "--json"], home: ws.home).json()["status"] as? String == "cancelled")
        }
    }

    @Test func theMarkdownReviewNeverPassesMarkupThrough() throws {
        let ws = try TestWorkspace("md")
        defer { ws.cleanup() }
        try ws.write(runbook: "echo", """
            runbook: echo
            version: 1
            inputs:
              note: { type: string, required: true }
            steps:
              - id: fail
                uses: shell.exec
                with: { argv: ["/bin/sh", "-c", "echo \\"$0\\" >&2; exit 3", "${{ inputs.note }}"] }
            """)
        let payload = "<img src=x onerror=alert(1)> `x` | [link](http://127.0.0.1/) **bold**"
        let run = try QRun.run(["run", "echo", "--input", "note=\(payload)", "--json"], home: ws.home)
        let runID = try #require(try run.json()["run_id"] as? String)
        let md = try QRun.run(["report", runID, "--format", "md"], home: ws.home)
        #expect(md.status == 0, "\(md.stderr)")
        // Code spans show their text literally; everywhere else markup must be escaped.
        let prose = md.stdout.replacing(/(`+).*?\1/, with: "")
        #expect(!prose.contains("<img"), "raw HTML passed through:\n\(md.stdout)")
        #expect(prose.firstMatch(of: /[^\\]\]\(http/) == nil, "a link became markup:\n\(md.stdout)")
        #expect(md.stdout.contains("&lt;img"), "the text is still there, escaped")
        let rows = md.stdout.split(separator: "\n").filter { $0.hasPrefix("| `") || $0.hasPrefix("| ``") }
        for row in rows {
            let unescapedPipes = row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(unescapedPipes == 8, "a step row keeps its 7 cells: \(row)")
        }
    }
}
