import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Finds and stops the processes an earlier attempt of a step left behind, so that a retried or
/// resumed step never runs alongside its predecessor.
///
/// Every child qrun starts for a step carries ``markerName`` `=` the step's idempotency key in
/// its environment, and its descendants inherit it. After `kill -9` of qrun those processes
/// live on; before the next attempt spawns, ``stopPrevious(key:)`` looks for them:
/// - every live process whose `/proc/PID/environ` holds exactly that entry (readable for the
///   same user, and for root);
/// - every process in the session of such a process, which takes in descendants that scrubbed
///   their environment but stayed in the session, except the caller's own session;
/// - then the ``ProcessTree`` of all of these, which adds descendants that left the session
///   (`setsid`) while their parent is alive.
///
/// They are stopped as a ``ProcessTree`` stops: frozen with `SIGSTOP`, `SIGTERM` and `SIGCONT`,
/// the grace, `SIGKILL`; each signal goes only to a pid whose start time still matches, and
/// zombies count as gone. The search repeats until it finds nothing, a bounded number of
/// times. Processes this user may not signal (`EPERM`) are never partly stopped: the call
/// fails first, naming them.
public struct OrphanReaper: Sendable {
    /// The environment variable that marks a step's processes: `QRUN_STEP_KEY=<idempotency key>`.
    /// The key is not a secret; it only says which step a process belongs to.
    public static let markerName = "QRUN_STEP_KEY"

    /// How many search-and-stop rounds run before giving up on processes that keep appearing.
    static let maxRounds = 4

    /// Time between `SIGTERM` and `SIGKILL`.
    public var grace: Duration
    /// Where processes are read and signals go.
    public var source: any ProcSource

    /// Creates a reaper.
    /// - Parameters:
    ///   - grace: Time between `SIGTERM` and `SIGKILL`.
    ///   - source: The process table; the live `/proc` unless a test passes a fake.
    public init(grace: Duration, source: any ProcSource = LiveProcSource()) {
        self.grace = grace
        self.source = source
    }

    /// The live processes whose environment carries the marker of `key`, in pid order.
    public func marked(_ key: String) -> [ProcEntry] {
        marked(key, in: source.all())
    }

    /// Stops every process of an earlier attempt of the step with `key` and waits until none is
    /// left.
    /// - Returns: The pids that were stopped, sorted; empty when there was nothing to stop.
    /// - Throws: ``ChildProcessError`` with code ``ChildProcessError/Code/previousAttemptUnstoppable``
    ///   (nothing was signalled) or ``ChildProcessError/Code/previousAttemptSurvived``.
    public func stopPrevious(key: String) async throws(ChildProcessError) -> [Int32] {
        var stopped = Set<Int32>()
        for _ in 0..<Self.maxRounds {
            let table = source.all()
            let found = marked(key, in: table)
            if found.isEmpty { return stopped.sorted() }
            var tree = ProcessTree(roots: found + sessionPeers(of: found, in: table), source: source)
            let targets = tree.live
            let denied = targets.filter { source.send(0, to: $0.pid) == EPERM }
            if !denied.isEmpty {
                throw ChildProcessError(
                    code: .previousAttemptUnstoppable,
                    message: "an earlier attempt of this step is still running as \(Self.list(denied.map(\.pid))) "
                        + "and qrun may not signal it (permission denied); the step was not started again so that two copies "
                        + "never run at once: stop those processes (or run qrun as their user), then resume the run",
                    errno: EPERM
                )
            }
            stopped.formUnion(await tree.stop(grace: grace))
            let left = tree.live
            if !left.isEmpty {
                throw survived(left.map(\.pid))
            }
        }
        let left = marked(key)
        if left.isEmpty { return stopped.sorted() }
        throw survived(left.map(\.pid))
    }

    // MARK: - Search

    /// The entries of `table` that are alive and carry the marker of `key`. The stat line is read
    /// again after the environment, so an environment read from a pid that was reused meanwhile
    /// is never credited to the process the entry describes.
    func marked(_ key: String, in table: [ProcEntry]) -> [ProcEntry] {
        let needle = Array("\(Self.markerName)=\(key)".utf8)
        let me = getpid()
        return table.filter { e in
            guard e.pid > 1, e.pid != me, !e.isDead else { return false }
            guard let environ = source.environment(of: e.pid),
                  environ.split(separator: 0).contains(where: { $0.elementsEqual(needle) }) else { return false }
            guard let again = source.entry(e.pid), again.startTime == e.startTime else { return false }
            return true
        }.sorted { $0.pid < $1.pid }
    }

    /// The other live processes of the sessions that marked processes belong to. The caller's own
    /// session, and sessions 0 and 1 (kernel, init), are never taken in whole.
    func sessionPeers(of found: [ProcEntry], in table: [ProcEntry]) -> [ProcEntry] {
        let mine = getsid(0)
        let sessions = Set(found.map(\.session)).subtracting([0, 1, mine])
        let foundPids = Set(found.map(\.pid))
        return table.filter { sessions.contains($0.session) && !foundPids.contains($0.pid) && !$0.isDead }
    }

    // MARK: - Errors

    func survived(_ pids: [Int32]) -> ChildProcessError {
        ChildProcessError(
            code: .previousAttemptSurvived,
            message: "an earlier attempt of this step is still running as \(Self.list(pids)) after SIGKILL; the step was not "
                + "started again so that two copies never run at once: check those processes (state D is stuck in the kernel), "
                + "then retry or resume the run"
        )
    }

    /// `pid 12` or `pids 12, 34, 56` (at most 20 named).
    static func list(_ pids: [Int32]) -> String {
        let sorted = pids.sorted()
        let named = sorted.prefix(20).map(String.init).joined(separator: ", ")
        let more = sorted.count > 20 ? " and \(sorted.count - 20) more" : ""
        return (sorted.count == 1 ? "pid " : "pids ") + named + more
    }
}
