import Foundation
import QRunTestSupport
import Testing

/// `kill -9` of qrun while a step's child (and its setsid grandchild) runs, then `qrun resume`:
/// the resumed step must stop the earlier attempt's processes before it starts its own, so two
/// copies never run at once.
@Suite("a resumed step never overlaps its predecessor", .serialized)
struct OrphanResumeTests {
    @Test("shell.exec: the orphaned child and setsid grandchild are stopped before the step runs again")
    func shellExec() throws {
        let ws = try TestWorkspace("orphan-shell")
        defer { ws.cleanup() }
        let dir = ws.home + "/copy"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = try ws.write(file: "copy/step.sh", OrphanStep.script, mode: 0o755)
        defer { OrphanStep.killLeftovers(dir, marker: script) }
        try ws.write(runbook: "orphan-shell", """
            runbook: orphan-shell
            version: 1
            steps:
              - id: work
                uses: shell.exec
                with: { argv: ["\(script)", "child", "\(dir)"], timeout: 120s }

            """)
        try OrphanStep.killDuringStepThenResume(ws, runbook: "orphan-shell", dir: dir)
    }

    @Test("plugin: the orphaned plugin child and its setsid grandchild are stopped before the step runs again")
    func plugin() throws {
        let ws = try TestWorkspace("orphan-plugin")
        defer { ws.cleanup() }
        let dir = ws.home + "/plugins/copier"
        let script = try ws.write(file: "plugins/copier/run.sh", OrphanStep.script.replacingOccurrences(
            of: "role=${1:-child}", with: "PLUGIN_REPLY=yes\nrole=${1:-child}"), mode: 0o755)
        defer { OrphanStep.killLeftovers(dir, marker: script) }
        try ws.write(file: "plugins/copier/plugin.yaml", """
            name: copier
            version: 0.1.0
            protocol: 1
            executable: run.sh
            timeout: 120s
            actions:
              - name: test.copier.run
                summary: Runs one copy of the step.
                verbs: [apply]

            """)
        try ws.write(runbook: "orphan-plugin", """
            runbook: orphan-plugin
            version: 1
            steps:
              - id: work
                uses: test.copier.run

            """)
        try OrphanStep.killDuringStepThenResume(ws, runbook: "orphan-plugin", dir: dir)
    }
}
