import Foundation
import Testing
import QRunCore
import QRunTestSupport
@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

@Suite("sandbox.kill on process trees", .serialized)
struct SandboxProcessTreeTests {
    typealias F = SandboxFixture

    @Test func planListsWholeTreeAndSignalsNothing() async throws {
        let tree = try await F.startTree()
        defer { tree.cleanUp() }
        try #require(tree.pids.count == 5)
        let root = tree.pids["root"]!
        let result = try await F.action.plan(F.call(["selector": .object(["pid": .int(Int(root))])], verb: .plan))
        #expect(Set(F.ints(result.outputs["pids"])) == Set(tree.all))
        #expect(result.outputs["count"] == .int(5))
        #expect(result.outputs["already_stopped"] == .bool(false))
        let commands = (result.outputs["processes"]?.arrayValue ?? []).compactMap { $0.objectValue?["command"]?.stringValue }
        #expect(commands.filter { $0 == "sleep 300" }.count == 3)
        #expect(result.summary.hasPrefix("would stop 5 process(es)"))
        try await Task.sleep(for: .milliseconds(300))
        for pid in tree.all {
            #expect(F.alive(pid), "plan must not signal \(pid)")
            #expect(F.state(pid) != "T", "plan must not stop \(pid)")
        }
    }

    @Test func applyKillsTreeIncludingDetachedGrandchild() async throws {
        let tree = try await F.startTree()
        defer { tree.cleanUp() }
        try #require(tree.pids.count == 5)
        let detached = tree.pids["detached"]!
        // The grandchild really left the session: it leads its own.
        let stat = try String(contentsOfFile: "/proc/\(detached)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        #expect(Int32(fields[3]) == detached)
        let params: [String: Value] = ["selector": .object(["pid": .int(Int(tree.pids["root"]!))]), "grace": .string("2s")]
        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(5))
        #expect(Set(F.ints(result.outputs["pids"])) == Set(tree.all))
        #expect(result.outputs["already_stopped"] == .bool(false))
        for pid in tree.all { #expect(!F.alive(pid), "\(pid) survived") }

        let again = try await F.action.apply(F.call(params))
        #expect(again.outputs["already_stopped"] == .bool(true))
        #expect(again.outputs["stopped"] == .int(0))
        let verified = try await F.action.verify(F.call(params, verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
        #expect(verified.outputs["remaining"] == .int(0))
    }

    @Test func childIgnoringTermGetsKillAfterGrace() async throws {
        let tree = try await F.startTree(ignoreTerm: true)
        defer { tree.cleanUp() }
        try #require(tree.pids.count == 6)
        let stubborn = tree.pids["stubborn"]!
        let start = ContinuousClock.now
        let result = try await F.action.apply(F.call(["selector": .object(["pid": .int(Int(tree.pids["root"]!))]),
                                                      "grace": .string("1500ms")]))
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(1500), "SIGKILL came before the grace period ended")
        #expect(elapsed < .seconds(60), "bounded, not timed")
        #expect(F.ints(result.outputs["pids"]).contains(stubborn))
        #expect(!F.alive(stubborn))
        for pid in tree.all { #expect(!F.alive(pid)) }
    }

    @Test func pidfileSelectorAndMissingPidfile() async throws {
        let tree = try await F.startTree()
        defer { tree.cleanUp() }
        let pidfile = tree.dir + "/agent.pid"
        try "\(tree.pids["root"]!)\n".write(toFile: pidfile, atomically: true, encoding: .utf8)
        let params: [String: Value] = ["selector": .object(["pidfile": .string(pidfile)]), "grace": .string("1s")]
        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(5))
        for pid in tree.all { #expect(!F.alive(pid)) }
        try FileManager.default.removeItem(atPath: pidfile)
        let gone = try await F.action.apply(F.call(params))
        #expect(gone.outputs["already_stopped"] == .bool(true))
        #expect(gone.summary == "nothing alive in process tree; already stopped")
    }

    @Test func goneProcessIsAlreadyStopped() async throws {
        let r = try await ChildProcess.run(ChildProcessRequest(executable: "/bin/sh", arguments: ["-c", "echo $$"]))
        let pid = try #require(Int(String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
        let result = try await F.action.apply(F.call(["selector": .object(["pid": .int(pid)])]))
        #expect(result.outputs["already_stopped"] == .bool(true))
        #expect(result.outputs["pids"] == .array([]))
    }

    @Test func selectorValidation() async throws {
        await #expect(throws: ActionError.self) { try await F.action.plan(F.call([:], verb: .plan)) }
        do {
            _ = try await F.action.plan(F.call(["selector": .object(["pid": .int(5), "cgroup": .string("/x")])], verb: .plan))
            Issue.record("two selector keys accepted")
        } catch let e as ActionError {
            #expect(e.message == "selector must name exactly one of pid, pidfile, cgroup, container, label, not 2")
            #expect(!e.retryable)
        }
        do {
            _ = try await F.action.plan(F.call(["selector": .object(["label": .string("novalue")])], verb: .plan))
            Issue.record("bad label accepted")
        } catch let e as ActionError {
            #expect(e.message == "selector.label must look like key=value, not 'novalue'")
        }
        do {
            _ = try await F.action.plan(F.call(["selector": .object(["pid": .int(1)])], verb: .plan))
            Issue.record("pid 1 accepted")
        } catch let e as ActionError {
            #expect(e.message == "selector.pid must be a process id above 1")
        }
        do {
            _ = try await F.action.plan(F.call(["selector": .object(["container": .string("a")]), "runtime": .string("lxc")], verb: .plan))
            Issue.record("bad runtime accepted")
        } catch let e as ActionError {
            #expect(e.message == "parameter 'runtime' must be podman or docker, not 'lxc'")
        }
    }

    @Test func parsesStatWithParenthesesInName() {
        let e = ProcTable.parseStat("42 (a) b)) S 7 42 40 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0")
        #expect(e == ProcEntry(pid: 42, ppid: 7, pgrp: 42, session: 40, state: "S", startTime: 12345))
    }
}
