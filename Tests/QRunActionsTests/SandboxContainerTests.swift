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

    /// Runs podman synchronously; (exit code, stdout).
    @discardableResult
    static func podman(_ args: [String]) -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/podman")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Whether podman is installed, the image can be built, and a container runs here.
    static let podmanUsable: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/podman") else { return false }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/bin/sh")
        build.arguments = [Fixtures.path("sandbox/make-busybox-image.sh"), image]
        build.standardOutput = FileHandle.nullDevice
        build.standardError = FileHandle.nullDevice
        guard (try? build.run()) != nil else { return false }
        build.waitUntilExit()
        guard build.terminationStatus == 0 else { return false }
        return podman(["--runtime", "runc", "run", "--rm", "--network=none", "--ulimit", "nofile=20000:20000",
                       "--ulimit", "nproc=32768:32768", image, "true"]).0 == 0
    }()

    static func run(name: String, label: String) -> Bool {
        podman(["--runtime", "runc", "run", "-d", "--init", "--network=none", "--ulimit", "nofile=20000:20000",
                "--ulimit", "nproc=32768:32768", "--name", name, "--label", label, image, "sleep", "300"]).0 == 0
    }

    static func state(_ name: String) -> String {
        podman(["inspect", "--format", "{{.State.Status}}", name]).1.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.enabled(if: podmanUsable, "podman with runc cannot run containers here (needs Debian podman, runc, busybox-static)"))
    func containerByNamePlanApplyVerify() async throws {
        let name = "qrun-sbx-" + UUID().uuidString.prefix(8).lowercased()
        defer { Self.podman(["rm", "-f", "-t", "0", name]) }
        try #require(Self.run(name: name, label: "qrun.test=\(name)"))
        let params: [String: Value] = ["selector": .object(["container": .string(name)]), "grace": .string("1s")]
        let plan = try await F.action.plan(F.call(params, verb: .plan))
        #expect(plan.outputs["count"] == .int(1))
        #expect(plan.summary == "would stop 1 container(s) with podman: \(name)")
        #expect(Self.state(name) == "running", "plan must not stop the container")

        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(1))
        #expect(result.outputs["already_stopped"] == .bool(false))
        #expect(Self.state(name) == "exited")
        let again = try await F.action.apply(F.call(params))
        #expect(again.outputs["already_stopped"] == .bool(true))
        #expect(again.outputs["stopped"] == .int(0))
        let verified = try await F.action.verify(F.call(params, verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
        // the stopped container is kept (evidence) unless remove: true
        #expect(Self.podman(["container", "exists", name]).0 == 0)
    }

    @Test(.enabled(if: podmanUsable, "podman with runc cannot run containers here (needs Debian podman, runc, busybox-static)"))
    func containersByLabelAreStoppedAndRemoved() async throws {
        let tag = UUID().uuidString.prefix(8).lowercased()
        let names = ["qrun-sbx-a-\(tag)", "qrun-sbx-b-\(tag)"]
        defer { for n in names { Self.podman(["rm", "-f", "-t", "0", n]) } }
        for n in names { try #require(Self.run(name: n, label: "qrun.agent=\(tag)")) }
        let params: [String: Value] = ["selector": .object(["label": .string("qrun.agent=\(tag)")]), "grace": .string("1s"),
                                       "remove": .bool(true)]
        let plan = try await F.action.plan(F.call(params, verb: .plan))
        #expect(plan.outputs["count"] == .int(2))
        let result = try await F.action.apply(F.call(params))
        #expect(result.outputs["stopped"] == .int(2))
        for n in names { #expect(Self.podman(["container", "exists", n]).0 == 1, "\(n) was not removed") }
        let verified = try await F.action.verify(F.call(params, verb: .verify))
        #expect(verified.outputs["verified"] == .bool(true))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/podman"), "podman is not installed"))
    func unknownContainerIsAlreadyStopped() async throws {
        let result = try await F.action.apply(F.call(["selector": .object(["container": .string("qrun-sbx-never-existed")])]))
        #expect(result.outputs["already_stopped"] == .bool(true))
        #expect(result.summary == "no running container matched; already stopped")
    }
}
