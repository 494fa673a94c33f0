import Foundation
import QRunTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A step body that notices overlap, and the helpers that drive `qrun run`, `kill -9` and
/// `qrun resume` around it.
///
/// One copy of the step is a child and a grandchild in a new session (`setsid`). The child
/// takes an exclusive `flock -n` on `DIR/lock` and hands the open descriptor to the grandchild,
/// so the lock is free only once both are gone; a copy that finds it taken writes `overlap`.
/// Each process appends `start PID ROLE` when it begins and `end PID ROLE` when it finishes.
/// The first copy sleeps 30 s in short sleeps; a later copy sees the earlier start lines and
/// finishes at once.
enum OrphanStep {
    static let script = """
        #!/bin/sh
        role=${1:-child}
        dir=${2:-$(dirname "$0")}
        log="$dir/log"
        if [ "$role" = child ]; then
          exec 9>>"$dir/lock"
          flock -n 9 || echo "overlap $$" >> "$log"
          if grep -q '^start' "$log" 2>/dev/null; then rounds=1; else rounds=300; fi
          echo "start $$ child" >> "$log"
          setsid "$0" grandchild "$dir" "$rounds" </dev/null >/dev/null 2>&1 &
        else
          rounds=$3
          echo "start $$ grandchild" >> "$log"
        fi
        i=0
        while [ "$i" -lt "$rounds" ]; do sleep 0.1; i=$((i+1)); done
        echo "end $$ $role" >> "$log"
        if [ "$role" = child ] && [ -n "$PLUGIN_REPLY" ]; then
          echo '{"ok":true,"outputs":{"copy":"done"},"summary":"copy done"}'
        fi

        """

    /// The lines of `DIR/log`.
    static func lines(_ dir: String) -> [String] {
        let text = (try? String(contentsOfFile: dir + "/log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// The pids of `start PID ROLE` lines, in order.
    static func starts(_ dir: String, role: String) -> [Int32] {
        lines(dir).compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "start", parts[2] == role else { return nil }
            return Int32(parts[1])
        }
    }

    /// Field 22 of `/proc/PID/stat` (start time), and whether the process is alive and no zombie.
    static func identity(_ pid: Int32) -> (start: String, alive: Bool)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return (String(fields[19]), fields[0] != "Z" && fields[0] != "X")
    }

    /// Whether `pid` still names the process that had `start`, and it has not exited.
    static func alive(_ pid: Int32, start: String) -> Bool {
        guard let now = identity(pid) else { return false }
        return now.start == start && now.alive
    }

    /// Kills whatever of the copies still runs, so a failing test leaves nothing behind.
    static func killLeftovers(_ dir: String, marker: String) {
        for pid in starts(dir, role: "child") + starts(dir, role: "grandchild") {
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            if cmdline.contains(marker) { kill(pid, SIGKILL) }
        }
    }

    /// Starts `qrun run RUNBOOK`, waits until the first copy's child and grandchild have started,
    /// `kill -9`s qrun, checks that both outlived it, resumes the run, and checks that the earlier
    /// copy was stopped, never overlapped the new one, and is named in the step's outputs.
    static func killDuringStepThenResume(_ ws: TestWorkspace, runbook: String, dir: String) throws {
        let qrun = try QRun.start(["run", runbook], home: ws.home)
        var started = false
        for _ in 0..<1200 where !started {
            started = !starts(dir, role: "child").isEmpty && !starts(dir, role: "grandchild").isEmpty
            if !started { usleep(25_000) }
        }
        guard started else {
            qrun.signal(SIGKILL)
            Issue.record("the step never started: \(qrun.wait(timeout: 10).stderr)")
            return
        }
        qrun.signal(SIGKILL)
        #expect(qrun.wait(timeout: 30).killedBySignal)

        let child = try #require(starts(dir, role: "child").first)
        let grandchild = try #require(starts(dir, role: "grandchild").first)
        let childStart = try #require(identity(child)?.start)
        let grandchildStart = try #require(identity(grandchild)?.start)
        // The test can only fail if the first copy outlives qrun; it must.
        try #require(alive(child, start: childStart), "the step's child died with qrun")
        try #require(alive(grandchild, start: grandchildStart), "the step's setsid grandchild died with qrun")

        let list = try QRun.run(["runs", "list", "--json"], home: ws.home).json()
        let runID = try #require((list["runs"] as? [[String: Any]])?.first?["run_id"] as? String)
        let resume = try QRun.run(["resume", runID], home: ws.home)
        #expect(resume.status == 0, "\(resume.stdout)\(resume.stderr)")

        let log = lines(dir)
        #expect(!log.contains { $0.hasPrefix("overlap") }, "two copies of the step ran at once: \(log)")
        #expect(!alive(child, start: childStart), "the earlier copy's child still runs")
        #expect(!alive(grandchild, start: grandchildStart), "the earlier copy's setsid grandchild still runs")
        #expect(!log.contains("end \(child) child") && !log.contains("end \(grandchild) grandchild"),
                "the earlier copy ran to its end instead of being stopped: \(log)")
        #expect(starts(dir, role: "child").count == 2, "the resumed step ran its command again: \(log)")

        let show = try QRun.run(["runs", "show", runID, "--json"], home: ws.home).json()
        #expect(show["status"] as? String == "succeeded")
        let step = (show["steps"] as? [[String: Any]])?.first
        let outputs = step?["outputs"] as? [String: Any]
        let reported = Set((outputs?["previous_attempt_pids"] as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.int32Value })
        #expect(reported.isSuperset(of: [child, grandchild]), "the step's outputs name what was stopped: \(outputs ?? [:])")
    }
}
