import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Approvals, rejection with on_failure, cancel, and concurrency keys, across processes.
@Suite
struct OperatorFlowTests {
    func runID(_ out: ProcessOutput) throws -> String {
        if let o = try? out.json(), let id = o["run_id"] as? String { return id }
        return try #require(out.jsonLines().first?["run_id"] as? String)
    }

    @Test func approvalPausesThenResumeFinishes() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("approve")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated())
        let first = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--no-wait", "--json"], home: ws.home)
        #expect(first.status == 3, "waiting exits 3: \(first.stderr)")
        let id = try runID(first)
        #expect(try first.json()["status"] as? String == "waiting")
        #expect(try server.stats().keys.count == 1, "only 'before' ran")

        let wrong = try QRun.run(["approve", id, "after"], home: ws.home)
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("step 'after' of run \(id) is not waiting for approval (it is pending)"))

        let approve = try QRun.run(["approve", id, "gate", "--comment", "go"], home: ws.home)
        #expect(approve.status == 0)
        #expect(approve.stdout.contains("continue with: qrun resume \(id)"))
        let again = try QRun.run(["approve", id, "gate"], home: ws.home)
        #expect(again.status != 0, "a decision is taken once")

        let resume = try QRun.run(["resume", id, "--json"], home: ws.home)
        #expect(resume.status == 0, "\(resume.stderr)")
        #expect(try resume.json()["status"] as? String == "succeeded")
        let stats = try server.stats()
        #expect(stats.keys.count == 2)
        #expect(stats.keys.values.allSatisfy { $0.effects == 1 && $0.requests == 1 })

        let report = try QRun.run(["report", id], home: ws.home)
        #expect(report.stdout.contains("`gate` approved by cli:\(QRun.unixUser)"))
        #expect(report.stdout.contains("| Outcome | **succeeded** |"))
        let events = try QRun.run(["audit", "export", "--run", id], home: ws.home).jsonLines().map { $0["kind"] as? String ?? "" }
        #expect(events.contains("approval.granted"))
        #expect(events.contains("step.approved"))
        #expect(events.contains("operator.resume"))
    }

    @Test func approvalFromAnotherProcessWhileTheRunIsFollowed() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("follow")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated())
        let runner = try QRun.start(["run", "gated", "--input", "base=\(server.baseURL)"], home: ws.home)
        var id: String?
        for _ in 0..<1500 where id == nil {
            usleep(25_000)
            let lines = runner.stdoutSoFar.split(separator: "\n")
            if lines.contains(where: { $0.contains("step.waiting_approval") }) {
                id = lines.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["run_id"] as? String
            }
        }
        let runID = try #require(id, "the run should pause for approval")
        let approve = try QRun.run(["approve", runID, "gate"], home: ws.home)
        #expect(approve.stdout.contains("the process following the run continues it"))
        let done = runner.wait(timeout: 30)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.jsonLines().last?["status"] as? String == "succeeded")
    }

    @Test func rejectionFailsTheStepAndRunsOnFailure() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("reject")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated())
        let first = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--no-wait", "--json"], home: ws.home)
        let id = try runID(first)
        #expect(try QRun.run(["reject", id, "gate", "--comment", "wrong key"], home: ws.home).status == 0)
        let resume = try QRun.run(["resume", id, "--json"], home: ws.home)
        #expect(resume.status == 1)
        let steps = try resume.json()["steps"] as? [[String: Any]] ?? []
        let byID = Dictionary(uniqueKeysWithValues: steps.map { ($0["id"] as! String, $0) })
        #expect(byID["gate"]?["status"] as? String == "failed")
        #expect(byID["gate"]?["error"] as? String == "rejected by cli:\(QRun.unixUser): wrong key")
        #expect(byID["after"]?["status"] as? String == "cancelled")
        #expect(byID["after"]?["error"] as? String == "step 'gate' it needs failed")
        #expect(byID["page"]?["status"] as? String == "succeeded")
        let paths = try server.stats().keys.values.flatMap(\.paths)
        #expect(Set(paths) == ["/effect/before", "/effect/page"])
    }

    @Test func cancelStopsAWaitingRunWithoutOnFailure() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("cancel")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated())
        let id = try runID(try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--no-wait", "--json"], home: ws.home))
        let cancel = try QRun.run(["cancel", id, "--json"], home: ws.home)
        #expect(cancel.status == 0, "\(cancel.stderr)")
        #expect(try cancel.json()["status"] as? String == "cancelled")
        let steps = try cancel.json()["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["status"] as? String } == ["succeeded", "cancelled", "cancelled", "cancelled"])
        #expect(try server.stats().keys.count == 1, "neither 'after' nor the on_failure page ran")
        let again = try QRun.run(["cancel", id], home: ws.home)
        #expect(again.stderr.contains("already ended (cancelled)"))
    }

    @Test func secondStartWithTheSameKeyAttachesToTheOpenRun() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("attach")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated(key: true))
        let first = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--input", "token_id=k1", "--no-wait", "--json"], home: ws.home)
        let id = try runID(first)
        let second = try QRun.run(["incident", "gated", "--base", server.baseURL, "--token-id", "k1", "--no-wait", "--json"], home: ws.home)
        #expect(second.status == 3)
        #expect(second.stderr.contains("an open run (\(id)) already holds concurrency key 'gated/k1'"))
        #expect(try second.json()["run_id"] as? String == id)
        let other = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--input", "token_id=k2", "--no-wait", "--json"], home: ws.home)
        #expect(try runID(other) != id, "another key starts another run")
        let show = try QRun.run(["runs", "show", id, "--json"], home: ws.home).json()
        #expect((show["triggers"] as? [Any])?.count == 2)
        #expect(try server.stats().keys.values.filter { $0.paths == ["/effect/before"] }.count == 2, "one 'before' per run, not per trigger")
    }

    @Test func anApprovalNobodyAnswersInTimeIsRejected() throws {
        let server = try EffectServer()
        defer { server.stop() }
        let ws = try TestWorkspace("expire")
        defer { ws.cleanup() }
        try ws.write(runbook: "gated", TestRunbooks.gated().replacingOccurrences(of: "uses: core.approval", with: "uses: core.approval\n    timeout: 300ms"))
        let out = try QRun.run(["run", "gated", "--input", "base=\(server.baseURL)", "--json"], home: ws.home)
        #expect(out.status == 1)
        let steps = Dictionary(uniqueKeysWithValues: ((try out.json()["steps"] as? [[String: Any]]) ?? []).map { ($0["id"] as! String, $0) })
        #expect(steps["gate"]?["error"] as? String == "no decision within 300ms; treated as rejected")
        #expect(steps["after"]?["status"] as? String == "cancelled")
        #expect(steps["page"]?["status"] as? String == "succeeded")
    }

    @Test func resumeRefusesARunAnotherProcessIsExecuting() throws {
        let ws = try TestWorkspace("busy")
        defer { ws.cleanup() }
        try ws.write(runbook: "slow", """
            runbook: slow
            version: 1
            steps:
              - id: wait
                uses: core.sleep
                with: { duration: 3s }
            """)
        let runner = try QRun.start(["run", "slow"], home: ws.home)
        var id: String?
        for _ in 0..<1500 where id == nil {
            usleep(20_000)
            id = runner.stdoutSoFar.split(separator: "\n").first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }?["run_id"] as? String
        }
        let runID = try #require(id)
        let resume = try QRun.run(["resume", runID], home: ws.home)
        #expect(resume.status == 5)
        #expect(resume.stderr.contains("is being executed by another qrun process (pid \(runner.pid))"))
        runner.signal(SIGKILL)
        _ = runner.wait()
    }
}
