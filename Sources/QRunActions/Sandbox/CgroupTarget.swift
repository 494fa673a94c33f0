import Foundation
import QRunCore

#if canImport(Glibc)
import Glibc
#endif

/// A cgroup v2 directory and everything below it.
///
/// Stopping: `SIGTERM` to every process in the subtree, up to the grace period for them to
/// leave, then `cgroup.kill` (Linux 5.14+, kills the whole subtree atomically, including
/// processes that forked or called `setsid` meanwhile) or, where it is missing, `SIGKILL` to
/// every pid in `cgroup.procs` of each directory, repeated until none is left.
public struct CgroupTarget: Sendable {
    /// The cgroup directory.
    public var path: String

    /// Checks that `path` is a cgroup v2 directory (it has `cgroup.procs`).
    public init(path: String) throws(ActionError) {
        var p = path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        guard p.hasPrefix("/") else { throw .invalid("selector.cgroup must be an absolute path to a cgroup v2 directory, not '\(path)'") }
        self.path = p
    }

    /// Whether the directory exists.
    public var exists: Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Whether the directory is a cgroup v2 directory.
    public var isCgroup: Bool { access(path + "/cgroup.procs", F_OK) == 0 }

    /// This directory and every cgroup below it.
    var directories: [String] {
        var out = [path]
        var queue = [path]
        while let dir = queue.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for n in names.sorted() {
                let sub = dir + "/" + n
                if access(sub + "/cgroup.procs", F_OK) == 0 { out.append(sub); queue.append(sub) }
            }
        }
        return out
    }

    /// Live (non-zombie) processes in the subtree, in pid order.
    public var live: [ProcEntry] {
        var pids = Set<Int32>()
        for dir in directories {
            guard let bytes = ProcTable.readFile(dir + "/cgroup.procs") else { continue }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
                if let pid = Int32(line.trimmingCharacters(in: .whitespaces)) { pids.insert(pid) }
            }
        }
        return pids.sorted().compactMap { ProcTable.entry($0) }.filter { !$0.isDead && $0.pid != getpid() && $0.pid > 1 }
    }

    /// Writes `1` to `cgroup.kill`; `false` when the file is missing or the write failed.
    func writeKill() -> Bool {
        let fd = open(path + "/cgroup.kill", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "1", 1) == 1
    }

    /// Stops everything in the subtree; returns the pids that were alive when stopping began,
    /// and whether `cgroup.kill` was used.
    public func stop(grace: Duration) async -> (pids: [Int32], usedCgroupKill: Bool) {
        let targets = live
        guard !targets.isEmpty else { return ([], false) }
        for e in targets { ProcessTree.send(SIGTERM, to: e) }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline, !live.isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
        var usedKill = false
        let killDeadline = clock.now.advanced(by: .seconds(5))
        while !live.isEmpty, clock.now < killDeadline {
            if writeKill() { usedKill = true } else { for e in live { ProcessTree.send(SIGKILL, to: e) } }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (targets.map(\.pid), usedKill)
    }
}
