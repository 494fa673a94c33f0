import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at many different instants of a real run, then `qrun resume`: every step's effect
/// must happen exactly once as the receiving server observes it (per Idempotency-Key), the run
/// must finish, and the audit chain must stay intact.
@Suite(.serialized)
struct KillResumeTests {
    static func runbook() -> String {
        var steps = """
            runbook: containment
            version: 1
            inputs:
              base: { type: string, required: true }
            max_parallel: 4
            steps:
              - id: first
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/slow/40/first" }

            """
        for i in 1...4 {
            steps += """
                  - id: fan-\(i)
                    needs: [first]
                    uses: http.request
                    with: { method: POST, url: "${{ inputs.base }}/slow/\(20 + 10 * i)/fan-\(i)" }

                """
        }
        steps += """
              - id: join
                needs: [fan-1, fan-2, fan-3, fan-4]
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/slow/40/join" }
              - id: pause
                needs: [join]
                uses: core.sleep
                with: { duration: 30ms }
              - id: last-a
                needs: [pause]
                uses: http.request
                with: { method: PUT, url: "${{ inputs.base }}/slow/30/last-a" }
              - id: last-b
                needs: [pause]
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/effect/last-b" }
              - id: done
                needs: [last-a, last-b]
                uses: http.request
                with: { method: POST, url: "${{ inputs.base }}/slow/20/done" }

            """
        return steps
    }

    static let httpSteps = ["first", "fan-1", "fan-2", "fan-3", "fan-4", "join", "last-a", "last-b", "done"]

    @Test func killNineAnywhereThenResumeAppliesEveryEffectExactlyOnce() throws {
        let server = try EffectServer()
        defer { server.stop() }
        var rng = SplitMix64(state: 0x5eed_2026)
        var interruptedAttempts = 0
        var replayedRequests = 0
        var kills = 0
        let scenarios = 16
        for scenario in 0..<scenarios {
            let ws = try TestWorkspace("kill\(scenario)")
            defer { ws.cleanup() }
            try ws.write(runbook: "containment", Self.runbook())
            _ = try Data(contentsOf: URL(string: "\(server.baseURL)/stats")!)
            _ = try python("import urllib.request; urllib.request.urlopen(urllib.request.Request('\(server.baseURL)/reset', method='POST'))")
            // Spread the first kill over the whole run (about 0.3 s), then kill resumes too.
            var delays = [Double(scenario) / Double(scenarios) * 0.45 + Double(rng.next() % 20) / 1000]
            for _ in 0..<Int(rng.next() % 3) { delays.append(Double(rng.next() % 250) / 1000) }
            var started = false
            for delay in delays {
                let args = started ? ["resume", "--all"] : ["run", "containment", "--input", "base=\(server.baseURL)"]
                let p = try QRun.start(args, home: ws.home)
                usleep(useconds_t(delay * 1_000_000))
                p.signal(SIGKILL)
                let out = p.wait(timeout: 30)
                if out.killedBySignal { kills += 1 }
                let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
                let runs = (try list.json()["runs"] as? [[String: Any]]) ?? []
                started = !runs.isEmpty
                if !started {
                    #expect(try server.stats().requests == 0, "no run was recorded, so no request may have been sent")
                }
            }
            let final = started
                ? try QRun.run(["resume", "--all", "--json"], home: ws.home)
                : try QRun.run(["run", "containment", "--input", "base=\(server.baseURL)", "--json"], home: ws.home)
            #expect(final.status == 0, "scenario \(scenario): \(final.stderr)")

            let list = try QRun.run(["runs", "list", "--json"], home: ws.home)
            let runs = (try list.json()["runs"] as? [[String: Any]]) ?? []
            try #require(runs.count == 1, "scenario \(scenario): exactly one run")
            let runID = runs[0]["run_id"] as! String
            let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home).json()
            #expect(show["status"] as? String == "succeeded", "scenario \(scenario)")
            let steps = show["steps"] as? [[String: Any]] ?? []
            #expect(steps.count == 10)
            #expect(steps.allSatisfy { $0["status"] as? String == "succeeded" }, "scenario \(scenario): \(steps.map { "\($0["id"]!)=\($0["status"]!)" })")
            let attempts = show["attempts"] as? [[String: Any]] ?? []
            interruptedAttempts += attempts.filter { $0["status"] as? String == "interrupted" }.count

            let stats = try server.stats()
            #expect(stats.unkeyed == 0)
            #expect(stats.keys.count == Self.httpSteps.count, "scenario \(scenario): one key per http step, got \(stats.keys.count)")
            for (key, entry) in stats.keys {
                #expect(entry.effects == 1, "scenario \(scenario): key \(key) applied \(entry.effects) times")
                #expect(entry.paths.count == 1, "scenario \(scenario): key \(key) was used for \(entry.paths)")
                replayedRequests += entry.requests - entry.effects
            }
            let stepsSeen = Set(stats.keys.values.compactMap { $0.paths.first?.split(separator: "/").last.map(String.init) })
            #expect(stepsSeen == Set(Self.httpSteps))

            let verify = try QRun.run(["audit", "verify"], home: ws.home)
            #expect(verify.status == 0, "scenario \(scenario): \(verify.stdout)")
        }
        // The test is only meaningful if kills landed while actions were in flight and the
        // receiving side saw the same key again after a resume.
        #expect(kills >= scenarios)
        #expect(interruptedAttempts > 0, "no kill landed while an action was in flight")
        #expect(replayedRequests > 0, "no resumed request replayed an already-applied key")
    }
}
