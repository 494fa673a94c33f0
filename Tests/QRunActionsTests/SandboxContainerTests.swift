import Foundation
import Testing
import QRunCore
import QRunTestSupport
@testable import QRunActions

/// sandbox.kill against real podman containers (runc, explicit ulimits, an image imported from
/// Debian's busybox-static by `Tests/Fixtures/sandbox/make-busybox-image.sh`).
@Suite("sandbox.kill on podman containers", .serialized)
struct SandboxContainerTests {
    typealias F = SandboxFixture
    static let image = "qrun-busybox"

    static let env = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"]

    /// Runs podman through ChildProcess; (exit code, stdout). `podman run -d` leaves conmon
    /// holding stdout, so the runner must not wait for EOF long (short grace) and must not
    /// kill conmon's group (it runs in its own session anyway).
    @discardableResult
    static func podman(_ args: [String]) async -> (Int32, String) {
        let req = ChildProcessRequest(executable: "/usr/bin/podman", arguments: args, environment: env,
                                      timeout: .seconds(120), terminationGrace: .milliseconds(500), killProcessGroupOnExit: false)
        guard let r = try? await ChildProcess.run(req) else { return (-1, "") }
        return (r.exitCode ?? -1, String(decoding: r.stdout, as: UTF8.self))
    }

    /// Builds the image and runs a throwaway container; a note is recorded when podman cannot run here.
    static func podmanUsable() async -> Bool {
        let build = ChildProcessRequest(executable: "/bin/sh", arguments: [Fixtures.path("sandbox/make-busybox-image.sh"), image],
                                        environment: env, timeout: .seconds(120), killProcessGroupOnExit: false)
        guard let r = try? await ChildProcess.run(build), r.exitCode == 0 else {
            Issue.record("cannot build the \(image) image from busybox-static (needs podman, busybox-static, apt access)")
            return false
        }
        let ok = await podman(["--runtime", "runc", "run", "--rm", "--network=none", "--ulimit", "nofile=20000:20000",
                               "--ulimit", "nproc=32768:32768", image, "true"]).0 == 0
        if !ok { Issue.record("podman --runtime runc cannot run containers on this machine") }
        return ok
    }

    static func run(name: String, label: String) async -> Bool {
        await podman(["--runtime", "runc", "run", "-d", "--init", "--network=none", "--ulimit", "nofile=20000:20000",
                      "--ulimit", "nproc=32768:32768", "--name", name, "--label", label, image, "sleep", "300"]).0 == 0
    }

    static func state(_ name: String) async -> String {
        await podman(["inspect", "--format", "{{.State.Status}}", name]).1.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: Prerequisite.required(FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")), "podman with runc cannot run containers here (needs Debian podman, runc, busybox-static)"))
    func containerByNamePlanApplyVerify() async throws {
        let name = "qrun-sbx-" + UUID().uuidString.prefix(8).lowercased()
        try #require(await Self.podmanUsable(), "podman with runc must run containers here (Debian podman, runc, catatonit, busybox-static; scripts/setup installs them)")
        defer { Task { await Self.podman(["rm", "-f", "-t", "0", name]) } }
        try #require(await Self.run(name: name, label: "qrun.test=\(name)"))
        let params: [String: Value] = ["selector": .object(["container": .string(name)]), "grace": .string("1s")]
        let plan = try await F.action.plan(F.call(params, verb: .plan))
        #expect(plan.outputs["count"] == .int(1))
        #expect(plan.summary == "would stop 1 container(s) with podman: \(name)")
        #expect(await Self.state(name) == "running", "plan must not stop the container")

        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(1))
        #expect(result.outputs["already_stopped"] == .bool(false))
        #expect(await Self.state(name) == "exited")
        let again = try await F.action.apply(F.call(params))
        #expect(again.outputs["already_stopped"] == .bool(true))
        #expect(again.outputs["stopped"] == .int(0))
        let verified = try await F.action.verify(F.call(params, verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
        // the stopped container is kept (evidence) unless remove: true
        #expect(await Self.podman(["container", "exists", name]).0 == 0)
        await Self.podman(["rm", "-f", "-t", "0", name])
    }

    @Test(.enabled(if: Prerequisite.required(FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")), "podman with runc cannot run containers here (needs Debian podman, runc, busybox-static)"))
    func containersByLabelAreStoppedAndRemoved() async throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let names = ["qrun-sbx-a-\(tag)", "qrun-sbx-b-\(tag)"]
        try #require(await Self.podmanUsable(), "podman with runc must run containers here (Debian podman, runc, catatonit, busybox-static; scripts/setup installs them)")
        defer { Task { for n in names { await Self.podman(["rm", "-f", "-t", "0", n]) } } }
        for n in names { try #require(await Self.run(name: n, label: "qrun.agent=\(tag)")) }
        let params: [String: Value] = ["selector": .object(["label": .string("qrun.agent=\(tag)")]), "grace": .string("1s"),
                                       "remove": .bool(true)]
        let plan = try await F.action.plan(F.call(params, verb: .plan))
        #expect(plan.outputs["count"] == .int(2))
        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(2))
        for n in names { #expect(await Self.podman(["container", "exists", n]).0 == 1, "\(n) was not removed") }
        let verified = try await F.action.verify(F.call(params, verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
        for n in names { await Self.podman(["rm", "-f", "-t", "0", n]) }
    }

    @Test(.enabled(if: Prerequisite.required(FileManager.default.isExecutableFile(atPath: "/usr/bin/podman")), "podman is not installed"))
    func unknownContainerIsAlreadyStopped() async throws {
        let result = try await F.action.apply(F.call(["selector": .object(["container": .string("qrun-sbx-never-existed")])]))
        #expect(result.outputs["already_stopped"] == .bool(true))
        #expect(result.summary == "no running container matched; already stopped")
    }
}
