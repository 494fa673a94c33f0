import Foundation
import Synchronization
@testable import QRunActions

#if canImport(Glibc)
import Glibc
#endif

/// A process table in memory for ``OrphanReaper`` tests: processes die on SIGTERM or SIGKILL,
/// a pid can be handed to a new process right after the first signal (even a probe) is delivered,
/// and every signal is recorded with the start time of the process it reached.
final class OrphanReaperFakeTable: ProcSource {
    struct Process {
        var entry: ProcEntry
        var environment: [String]
    }

    private struct State {
        var processes: [Int32: Process] = [:]
        var signals: [(pid: Int32, signal: Int32, start: UInt64)] = []
        var denied: Set<Int32> = []
        var reuseOnFirstSignal: Process?
    }

    private let state = Mutex(State())

    /// Adds a live process.
    func add(_ pid: Int32, session: Int32, start: UInt64, environment: [String] = []) {
        let e = ProcEntry(pid: pid, ppid: 1, pgrp: session, session: session, state: "S", startTime: start)
        state.withLock { $0.processes[pid] = Process(entry: e, environment: environment) }
    }

    /// Right after the first signal (the probe 0 included) is delivered, `pid` names another
    /// process: the reaper has read the table and is about to signal what it found.
    func reuse(_ pid: Int32, start: UInt64) {
        state.withLock { s in
            let e = ProcEntry(pid: pid, ppid: 1, pgrp: pid, session: pid, state: "S", startTime: start)
            s.reuseOnFirstSignal = Process(entry: e, environment: ["PATH=/bin"])
        }
    }

    /// Every signal to `pid` fails with EPERM.
    func deny(_ pid: Int32) { state.withLock { _ = $0.denied.insert(pid) } }

    /// The signals sent, probes (0) left out.
    var signals: [(pid: Int32, signal: Int32, start: UInt64)] { state.withLock { $0.signals.filter { $0.signal != 0 } } }

    func all() -> [ProcEntry] { state.withLock { $0.processes.values.map(\.entry) } }

    func entry(_ pid: Int32) -> ProcEntry? { state.withLock { $0.processes[pid]?.entry } }

    func environment(of pid: Int32) -> [UInt8]? {
        state.withLock { s in
            guard let p = s.processes[pid], !p.entry.isDead else { return nil }
            return Array(p.environment.joined(separator: "\0").utf8) + [0]
        }
    }

    func send(_ signal: Int32, to pid: Int32) -> Int32 {
        state.withLock { s in
            guard let target = s.processes[pid] else { return ESRCH }
            if s.denied.contains(pid) { return EPERM }
            s.signals.append((pid, signal, target.entry.startTime))
            if signal == SIGTERM || signal == SIGKILL { s.processes[pid]?.entry.state = "Z" }
            if let next = s.reuseOnFirstSignal {
                s.processes[next.entry.pid] = next
                s.reuseOnFirstSignal = nil
            }
            return 0
        }
    }
}
