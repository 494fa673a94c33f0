import Foundation
import Testing
import QRunCore
import QRunTestSupport
@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

/// sandbox.kill against real bubblewrap sandboxes and cgroup v2 directories.
@Suite("sandbox.kill on bubblewrap and cgroup v2", .serialized)
struct SandboxIsolationTests {
    typealias F = SandboxFixture

    static let bwrap = "/usr/bin/bwrap"
    static let cgroupRoot = "/sys/fs/cgroup/unified"
    static var canMakeCgroups: Bool { access(cgroupRoot, W_OK) == 0 }

    @Test(.enabled(if: Prerequisite.required(FileManager.default.isExecutableFile(atPath: bwrap)), "bubblewrap (Debian package bubblewrap) is not installed"))
    func bubblewrapSandboxDiesThroughOuterPid() async throws {
        let p = try F.start([Self.bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
                             "--dev", "/dev", "--tmpfs", "/tmp", "/bin/sh", "-c", "sleep 300 & setsid sleep 300 & wait"])
        let outer = p.processIdentifier
        var seen: [Int32] = []
        defer {
            for pid in seen where F.alive(pid) { kill(pid, SIGKILL) }
            if p.isRunning { kill(outer, SIGKILL) }
        }
        // outer bwrap, inner bwrap (pid 1 of the namespace), sh, two sleeps
        let ready = await F.waitFor {
            let tree = ProcessTree(root: outer).live
            return tree.filter { ProcTable.commandLine($0.pid) == "sleep 300" }.count == 2
        }
        try #require(ready, "the bubblewrap sandbox did not start its sleeps")
        let plan = try await F.action.plan(F.call(["selector": .object(["pid": .int(Int(outer))])], verb: .plan))
        seen = F.ints(plan.outputs["pids"])
        #expect(seen.count == 5)
        #expect(seen.contains(outer))
        for pid in seen { #expect(F.alive(pid)) }

        let result = try await F.action.apply(F.call(["selector": .object(["pid": .int(Int(outer))]), "grace": .string("1s")]))
        #expect(Set(F.ints(result.outputs["pids"])) == Set(seen))
        for pid in seen { #expect(!F.alive(pid), "\(pid) (\(ProcTable.commandLine(pid))) survived") }
        let verified = try await F.action.verify(F.call(["selector": .object(["pid": .int(Int(outer))])], verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
    }

    @Test(.enabled(if: Prerequisite.required(canMakeCgroups), "cgroup v2 at /sys/fs/cgroup/unified is not writable here"))
    func cgroupKillStopsEverythingIncludingEscapees() async throws {
        let cg = Self.cgroupRoot + "/qrun-test-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: cg, withIntermediateDirectories: false)
        let dir = F.tempDir()
        // The child joins the cgroup before it execs; everything ignores SIGTERM, so only cgroup.kill stops it.
        let script = "echo $$ > \"$1/cgroup.procs\"; exec /bin/sh -c 'trap \"\" TERM; sleep 300 & setsid sleep 300 & wait' inner \"$1\""
        let p = try F.start(["/bin/sh", "-c", script, "outer", cg])
        var seen: [Int32] = []
        defer {
            for pid in seen where F.alive(pid) { kill(pid, SIGKILL) }
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            let end = Date().addingTimeInterval(5)
            while rmdir(cg) != 0 && errno == EBUSY && Date() < end { usleep(100_000) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        let target = try CgroupTarget(path: cg)
        let ready = await F.waitFor { target.live.count == 3 }
        try #require(ready, "the cgroup did not fill with 3 processes")
        seen = target.live.map(\.pid)
        #expect(seen.contains(p.processIdentifier))

        let plan = try await F.action.plan(F.call(["selector": .object(["cgroup": .string(cg)])], verb: .plan))
        #expect(Set(F.ints(plan.outputs["pids"])) == Set(seen))
        for pid in seen { #expect(F.alive(pid)) }

        let start = ContinuousClock.now
        let result = try await F.action.apply(F.call(["selector": .object(["cgroup": .string(cg)]), "grace": .string("1s")]))
        #expect(ContinuousClock.now - start >= .seconds(1))
        #expect(result.outputs["method"] == .string("cgroup.kill"))
        #expect(result.outputs["stopped"] == .int(3))
        for pid in seen { #expect(!F.alive(pid)) }
        let verified = try await F.action.verify(F.call(["selector": .object(["cgroup": .string(cg)])], verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
        let again = try await F.action.apply(F.call(["selector": .object(["cgroup": .string(cg)])]))
        #expect(again.outputs["already_stopped"] == .bool(true))
    }

    @Test func missingCgroupIsAlreadyStoppedAndNonCgroupIsRefused() async throws {
        let result = try await F.action.apply(F.call(["selector": .object(["cgroup": .string(Self.cgroupRoot + "/qrun-test-does-not-exist")])]))
        #expect(result.outputs["already_stopped"] == .bool(true))
        do {
            _ = try await F.action.plan(F.call(["selector": .object(["cgroup": .string("/tmp")])], verb: .plan))
            Issue.record("/tmp accepted as a cgroup")
        } catch let e as ActionError {
            #expect(e.message == "/tmp is not a cgroup v2 directory (it has no cgroup.procs)")
            #expect(!e.retryable)
        }
    }
}
