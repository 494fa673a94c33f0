import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The process tree rooted at one pid, found through `/proc`, and the way to stop it.
///
/// Membership is a fixpoint over a snapshot of `/proc`: a process belongs to the tree when its
/// parent, its process group leader or its session leader belongs to it. That takes in
/// background children, grandchildren, and children that called `setsid` (their parent link
/// still points into the tree while the parent lives). Members are remembered by pid and start
/// time, so a member re-parented to init after its parent died stays a member, and a reused
/// pid is never signalled.
///
/// Stopping: every member gets `SIGSTOP` (repeated until no new member appears, so nothing can
/// fork away while we work), then `SIGTERM` and `SIGCONT`; after the grace period every
/// survivor is frozen again, new members collected, and `SIGKILL` sent. Zombies count as dead.
/// Pid 1 and the calling process are never members.
///
/// Limitation: a process that detached *and* whose parent exited before the tree was first
/// collected has no link left to the tree; only a cgroup selector reaches it.
public struct ProcessTree: Sendable {
    /// The members found so far, keyed by pid.
    public private(set) var members: [Int32: ProcEntry] = [:]
    /// Where the tree is read from and signals go.
    private let source: any ProcSource

    /// Collects the tree rooted at `root`; empty when `root` does not exist or is already a zombie.
    public init(root: Int32, source: any ProcSource = LiveProcSource()) {
        self.source = source
        guard root > 1, root != getpid(), let e = source.entry(root), !e.isDead else { return }
        members[root] = e
        expand()
    }

    /// Collects the trees rooted at each of `roots` (as read before, so their start times pin
    /// their identity); pid 1, the calling process and zombies are left out.
    public init(roots: [ProcEntry], source: any ProcSource = LiveProcSource()) {
        self.source = source
        let me = getpid()
        for e in roots where e.pid > 1 && e.pid != me && !e.isDead {
            members[e.pid] = e
        }
        if !members.isEmpty { expand() }
    }

    /// Live (non-zombie) members, in pid order.
    public var live: [ProcEntry] {
        members.values.filter { isAlive($0) }.sorted { $0.pid < $1.pid }
    }

    /// Whether `e`'s pid still names the same, not yet exited, process.
    private func isAlive(_ e: ProcEntry) -> Bool {
        guard let now = source.entry(e.pid), now.startTime == e.startTime else { return false }
        return !now.isDead
    }

    /// Adds every process linked to a member; returns the new members.
    @discardableResult
    public mutating func expand() -> [ProcEntry] {
        var added: [ProcEntry] = []
        let me = getpid()
        let table = source.all()
        var changed = true
        while changed {
            changed = false
            let current = Set(table.filter { members[$0.pid]?.startTime == $0.startTime }.map(\.pid))
            for e in table where members[e.pid] == nil && e.pid > 1 && e.pid != me && !e.isDead {
                if current.contains(e.ppid) || current.contains(e.pgrp) || current.contains(e.session) {
                    members[e.pid] = e
                    added.append(e)
                    changed = true
                }
            }
        }
        return added
    }

    /// Sends `signal` to `entry` only when the pid still names the same process.
    @discardableResult
    static func send(_ signal: Int32, to entry: ProcEntry) -> Bool {
        send(signal, to: entry, through: LiveProcSource())
    }

    /// Sends `signal` to `entry` through `source`, only when the pid still names the same process.
    @discardableResult
    static func send(_ signal: Int32, to entry: ProcEntry, through source: any ProcSource) -> Bool {
        guard let now = source.entry(entry.pid), now.startTime == entry.startTime, !now.isDead else { return false }
        return source.send(signal, to: entry.pid) == 0
    }

    @discardableResult
    private func send(_ signal: Int32, to entry: ProcEntry) -> Bool {
        Self.send(signal, to: entry, through: source)
    }

    /// Freezes every member with `SIGSTOP`, collecting members forked meanwhile, until none is new.
    public mutating func freeze() {
        for e in members.values { send(SIGSTOP, to: e) }
        for _ in 0..<50 {
            let added = expand()
            if added.isEmpty { return }
            for e in added { send(SIGSTOP, to: e) }
        }
    }

    /// Stops the tree: freeze, `SIGTERM` + `SIGCONT`, wait up to `grace`, freeze again, `SIGKILL`.
    /// Returns the pids that were alive when stopping began.
    public mutating func stop(grace: Duration) async -> [Int32] {
        freeze()
        let targets = live
        for e in targets { send(SIGTERM, to: e) }
        for e in targets { send(SIGCONT, to: e) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline, !live.isEmpty {
            await Self.pause()
        }
        if !live.isEmpty {
            freeze()
            for e in live { send(SIGKILL, to: e) }
        }
        let killDeadline = clock.now.advanced(by: .seconds(5))
        while clock.now < killDeadline, !live.isEmpty {
            for e in live { send(SIGKILL, to: e) }
            await Self.pause()
        }
        return targets.map(\.pid).sorted()
    }

    /// Waits 50 ms between looks at the tree. A cancelled task still finishes stopping what it
    /// froze (a tree left stopped helps nobody), so it then blocks instead of spinning on a
    /// `Task.sleep` that returns at once.
    private static func pause() async {
        if Task.isCancelled {
            usleep(50_000)
        } else {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
