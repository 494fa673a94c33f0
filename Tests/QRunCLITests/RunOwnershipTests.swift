import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One run, one executing process: ownership is a lease in the database, checked in every
/// transaction that records progress, so deleting a lock file does not let a second process in.
@Suite
struct RunOwnershipTests {
    static let slow = """
        runbook: slow
        version: 1
        steps:
          - id: wait
            uses: core.sleep
            with: { duration: 4s }
          - id: after
            needs: [wait]
            uses: core.noop
        """

    func waitUntilRunning(_ ws: TestWorkspace) throws -> String {
        for _ in 0..<1000 {
            let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
            if let runs = try? list.json()["runs"] as? [[String: Any]], let run = runs.first,
               run["status"] as? String == "running", let id = run["run_id"] as? String {
                return id
            }
            usleep(10_000)
        }
        throw TestFailure("the run never started")
    }

    @Test func deletingTheLockFileDoesNotLetASecondProcessExecuteTheRun() throws {
        let ws = try TestWorkspace("lease")
        defer { ws.cleanup() }
        try ws.write(runbook: "slow", Self.slow)
        let owner = try QRun.start(["run", "slow", "--json"], home: ws.home)
        let runID = try waitUntilRunning(ws)
        let locks = ws.stateDirectory + "/locks"
        for f in try FileManager.default.contentsOfDirectory(atPath: locks) { try FileManager.default.removeItem(atPath: locks + "/" + f) }
        let second = try QRun.run(["resume", runID], home: ws.home)
        #expect(second.status == 5, "\(second.stdout) \(second.stderr)")
        #expect(second.stderr.contains("is being executed by another qrun process"), "\(second.stderr)")
        let all = try QRun.run(["resume", "--all", "--json"], home: ws.home)
        #expect(all.status == 0, "resume --all skips a run a live process owns: \(all.stderr)")
        let done = owner.wait(timeout: 60)
        #expect(done.status == 0, "\(done.stderr)")
        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home).json()
        let attempts = (show["attempts"] as? [[String: Any]]) ?? []
        #expect(attempts.filter { $0["step"] as? String == "wait" }.count == 1, "the sleep ran once: \(attempts)")
        #expect(try QRun.run(["audit", "verify"], home: ws.home).status == 0)
    }

    @Test func aKilledOwnersLeaseIsTakenOver() throws {
        let ws = try TestWorkspace("takeover")
        defer { ws.cleanup() }
        try ws.write(runbook: "slow", Self.slow)
        let owner = try QRun.start(["run", "slow"], home: ws.home)
        let runID = try waitUntilRunning(ws)
        owner.signal(SIGKILL)
        _ = owner.wait(timeout: 10)
        let resumed = try QRun.run(["resume", runID, "--json"], home: ws.home)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try resumed.json()["status"] as? String == "succeeded")
    }
}
