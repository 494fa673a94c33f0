import Foundation
import Testing
@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

@Suite("OrphanReaper")
struct OrphanReaperTests {
    static let key = "5c1e7a3b-0d2f-4e9a-8b6c-1f2e3d4c5b6a"
    static var marker: String { "\(OrphanReaper.markerName)=\(key)" }

    /// Starts `/bin/sh -c script` with `environment`, not waiting for it.
    func start(_ script: String, environment: [String: String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { a, _ in a }
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test("a marked process and its setsid child are found through /proc/PID/environ and stopped; others are left alone")
    func markerFoundThroughEnviron() async throws {
        let reaper = OrphanReaper(grace: .milliseconds(500))
        let marked = try start("setsid sleep 300 & exec sleep 300", environment: [OrphanReaper.markerName: Self.key])
        let other = try start("exec sleep 300", environment: [OrphanReaper.markerName: "another-step"])
        defer {
            other.terminate()
            if marked.isRunning { marked.terminate() }
        }
        var found: [ProcEntry] = []
        for _ in 0..<400 where found.count < 2 {
            found = reaper.marked(Self.key)
            if found.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        }
        try #require(found.count == 2, "the sleep and its setsid child carry the marker")
        #expect(found.contains { $0.pid == marked.processIdentifier })
        #expect(!found.contains { $0.pid == other.processIdentifier })

        let stopped = try await reaper.stopPrevious(key: Self.key)
        #expect(stopped == found.map(\.pid).sorted())
        #expect(reaper.marked(Self.key).isEmpty)
        #expect(ProcTable.isAlive(other.processIdentifier, startTime: ProcTable.entry(other.processIdentifier)?.startTime ?? 0))
        #expect(try await reaper.stopPrevious(key: Self.key) == [], "nothing left: a second call stops nothing")
    }

    @Test("a pid that names another process by the time of the signal (other start time) is never signalled")
    func reusedPidIsNeverSignalled() async throws {
        let table = OrphanReaperFakeTable()
        table.add(5_000_501, session: 5_000_501, start: 100, environment: ["PATH=/bin", Self.marker])
        table.add(5_000_502, session: 5_000_502, start: 110, environment: [Self.marker, "HOME=/root"])
        table.reuse(5_000_501, start: 900)
        let stopped = try await OrphanReaper(grace: .milliseconds(100), source: table).stopPrevious(key: Self.key)
        #expect(stopped == [5_000_502])
        #expect(!table.signals.contains { $0.start == 900 }, "the new process behind pid 5000501 got \(table.signals)")
        #expect(table.signals.contains { $0.pid == 5_000_502 && $0.signal == SIGTERM })
        #expect(table.entry(5_000_501)?.isDead == false)
    }

    @Test("a process whose environment lacks the exact marker entry is not taken")
    func markerMustMatchExactly() async throws {
        let table = OrphanReaperFakeTable()
        table.add(5_000_601, session: 5_000_601, start: 1, environment: ["\(Self.marker)x"])
        table.add(5_000_602, session: 5_000_602, start: 2, environment: ["X_\(Self.marker)"])
        table.add(5_000_603, session: 5_000_603, start: 3, environment: ["QRUN_IDEMPOTENCY_KEY=\(Self.key)"])
        let stopped = try await OrphanReaper(grace: .milliseconds(100), source: table).stopPrevious(key: Self.key)
        #expect(stopped.isEmpty)
        #expect(table.signals.isEmpty)
    }

    @Test("the whole session of a marked process is stopped, but never the caller's own session")
    func sessionPeers() async throws {
        let mine = getsid(0)
        let table = OrphanReaperFakeTable()
        table.add(5_000_701, session: 5_000_700, start: 1, environment: [Self.marker])
        table.add(5_000_700, session: 5_000_700, start: 1, environment: ["PATH=/bin"])
        table.add(5_000_800, session: 5_000_800, start: 1, environment: ["PATH=/bin"])
        table.add(5_000_901, session: mine, start: 1, environment: [Self.marker])
        table.add(5_000_902, session: mine, start: 1, environment: ["PATH=/bin"])
        let stopped = try await OrphanReaper(grace: .milliseconds(100), source: table).stopPrevious(key: Self.key)
        #expect(stopped == [5_000_700, 5_000_701, 5_000_901])
        #expect(Set(table.signals.map(\.pid)) == [5_000_700, 5_000_701, 5_000_901])
    }

    @Test("processes that may not be signalled fail the call naming them, and nothing is signalled")
    func unstoppableFailsWithoutSignals() async throws {
        let table = OrphanReaperFakeTable()
        table.add(5_001_001, session: 5_001_001, start: 5, environment: [Self.marker])
        table.add(5_001_002, session: 5_001_002, start: 6, environment: [Self.marker])
        table.deny(5_001_002)
        let reaper = OrphanReaper(grace: .milliseconds(100), source: table)
        await #expect {
            _ = try await reaper.stopPrevious(key: Self.key)
        } throws: { error in
            guard let e = error as? ChildProcessError else { return false }
            return e.code == .previousAttemptUnstoppable && e.message.contains("pid 5001002 ")
                && e.message.contains("permission denied")
        }
        #expect(table.signals.isEmpty)
    }
}
