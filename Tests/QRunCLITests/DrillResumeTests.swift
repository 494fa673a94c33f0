import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A drill killed with `kill -9` and resumed ends exactly like the same drill left alone: the
/// steps whose plan failed are "not ready", their dependants are still planned, no on_failure.
@Suite
struct DrillResumeTests {
    /// A plugin whose plan writes `marker` and then holds until `release` exists, so the test
    /// knows a plan is in flight (no timing).
    static let plugin = """
        #!/usr/bin/env python3
        import json, os, sys, time
        req = json.loads(sys.stdin.read())
        p = req["params"]
        open(p["marker"], "w").close()
        for _ in range(3000):
            if os.path.exists(p["release"]):
                break
            time.sleep(0.02)
        sys.stdout.write(json.dumps({"ok": True, "outputs": {"held": True}, "summary": "held until released"}) + "\\n")
        """

    static let manifest = """
        name: hold
        version: 1.0.0
        protocol: 1
        executable: bin/hold
        timeout: 120s
        actions:
          - name: test.hold.wait
            summary: Hold until a release file exists.
            verbs: [plan, apply]
            parameters:
              - { name: marker, type: string, required: true, secret: forbidden, description: Written when the call begins. }
              - { name: release, type: string, required: true, secret: forbidden, description: The call returns once it exists. }
        """

    static func runbook(dir: String) -> String {
        """
        runbook: rehearse-hold
        version: 1
        steps:
          - id: broken
            uses: shell.exec
            with: { argv: ["definitely-not-installed-qrun"] }
          - id: after-broken
            needs: [broken]
            uses: core.sleep
            with: { duration: 1h }
          - id: hold
            uses: test.hold.wait
            with: { marker: "\(dir)/started", release: "\(dir)/release" }
          - id: join
            needs: [broken, hold]
            uses: core.sleep
            with: { duration: 1h }
        on_failure:
          - id: page
            uses: core.sleep
            with: { duration: 1s }
        """
    }

    /// The step statuses and the readiness a drill's `--json` summary reports.
    func outcome(_ out: ProcessOutput) throws -> (statuses: [String: String], readiness: String) {
        let o = try out.json()
        var statuses: [String: String] = [:]
        for s in o["steps"] as? [[String: Any]] ?? [] { statuses[s["id"] as! String] = s["status"] as? String }
        let r = o["readiness"] as? [String: Any] ?? [:]
        return (statuses, "\(r["ready"] ?? "?")/\(r["steps"] ?? "?") not ready: \(r["not_ready"] ?? "?")")
    }

    func workspace(_ label: String) throws -> (TestWorkspace, String) {
        let ws = try TestWorkspace(label)
        try ws.write(file: "plugins/hold/plugin.yaml", Self.manifest)
        try ws.write(file: "plugins/hold/bin/hold", Self.plugin, mode: 0o755)
        let dir = ws.home + "/hold"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try ws.write(runbook: "rehearse-hold", Self.runbook(dir: dir))
        return (ws, dir)
    }

    /// The drill's run id once its step `broken` is recorded failed.
    func brokenHasFailed(_ ws: TestWorkspace) throws -> String? {
        let runs = try QRun.run(["runs", "list", "--json"], home: ws.home).json()["runs"] as? [[String: Any]] ?? []
        guard let id = runs.first?["run_id"] as? String else { return nil }
        let steps = try QRun.run(["runs", "show", id, "--json"], home: ws.home).json()["steps"] as? [[String: Any]] ?? []
        return steps.contains { $0["id"] as? String == "broken" && $0["status"] as? String == "failed" } ? id : nil
    }

    @Test func killedAndResumedDrillEndsLikeAnUninterruptedOne() throws {
        // Given the drill left alone
        let (calm, calmDir) = try workspace("drill-calm")
        defer { calm.cleanup() }
        _ = FileManager.default.createFile(atPath: calmDir + "/release", contents: nil)
        let uninterrupted = try QRun.run(["drill", "rehearse-hold", "--json"], home: calm.home)
        #expect(uninterrupted.status == 1, "a step is not ready: \(uninterrupted.stderr)")
        let expected = try outcome(uninterrupted)
        #expect(expected.statuses == ["broken": "failed", "after-broken": "succeeded", "hold": "succeeded", "join": "succeeded", "page": "skipped"])
        #expect(expected.readiness.hasPrefix("3/4 "), "\(expected.readiness)")

        // When the same drill is killed while hold's plan is in flight and broken's has failed
        let (ws, dir) = try workspace("drill-kill")
        defer { ws.cleanup() }
        let p = try QRun.start(["drill", "rehearse-hold", "--json"], home: ws.home)
        var runID: String?
        for _ in 0..<1500 where runID == nil {
            runID = FileManager.default.fileExists(atPath: dir + "/started") ? (try? brokenHasFailed(ws)) ?? nil : nil
            if runID == nil { usleep(20_000) }
        }
        p.signal(SIGKILL)
        let killed = p.wait(timeout: 30)
        _ = FileManager.default.createFile(atPath: dir + "/release", contents: nil)
        let id = try #require(runID, "the drill never reached the point to kill it")
        #expect(killed.killedBySignal)

        // Then resuming it ends with the same statuses and readiness, and no on_failure
        let resumed = try QRun.run(["resume", id, "--json"], home: ws.home)
        #expect(resumed.status == 1, "\(resumed.stderr)")
        let got = try outcome(resumed)
        #expect(got.statuses == expected.statuses)
        #expect(got.readiness == expected.readiness)
        let events = try QRun.run(["audit", "export", "--run", id], home: ws.home).jsonLines()
        #expect(!events.contains { $0["kind"] as? String == "step.cancelled" }, "no dependant was cancelled")
        #expect(!events.contains { $0["kind"] as? String == "step.started" && ($0["data"] as? [String: Any])?["step"] as? String == "page" },
                "on_failure was not entered")
    }
}
