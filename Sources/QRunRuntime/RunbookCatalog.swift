import Foundation
import QRunCore
import Synchronization

/// The runbooks of a workspace for a long-lived process: each file is loaded (trust-checked and
/// validated) once, and again only when it changes on disk (its inode, size or modification time).
public final class RunbookCatalog: Sendable {
    /// A runbook file that could not be used, and why.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var message: String
        public var description: String { "\(path): \(message)" }
    }

    private struct Stamp: Equatable {
        var inode: UInt64
        var size: UInt64
        var modified: Int64
        var modifiedNanos: Int
    }

    private struct Entry {
        var stamp: Stamp
        var result: Result<Runbook, Problem>
    }

    public let directory: String
    private let loader: RunbookLoader
    private let cache = Mutex<[String: Entry]>([:])

    public init(directory: String, loader: RunbookLoader) {
        self.directory = directory
        self.loader = loader
    }

    /// Every runbook in the directory, and the files that could not be used.
    public func all() -> (runbooks: [Runbook], problems: [Problem]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var runbooks: [Runbook] = []
        var problems: [Problem] = []
        var seen = Set<String>()
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            seen.insert(path)
            switch load(path) {
            case .success(let r): runbooks.append(r)
            case .failure(let p): problems.append(p)
            }
        }
        cache.withLock { c in c = c.filter { seen.contains($0.key) } }
        return (runbooks, problems)
    }

    /// The runbooks that an alert can start.
    public func alertRunbooks() -> [Runbook] {
        all().runbooks.filter { r in r.triggers.contains { if case .alert = $0.kind { return true } else { return false } } }
    }

    private func load(_ path: String) -> Result<Runbook, Problem> {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .failure(Problem(path: path, message: "cannot be read")) }
        let stamp = Stamp(inode: UInt64(st.st_ino), size: UInt64(st.st_size), modified: Int64(st.st_mtim.tv_sec), modifiedNanos: st.st_mtim.tv_nsec)
        // Trust is checked on every use (a few lstat calls): a file or folder made writable by
        // others since it was loaded is refused at once.
        do {
            try FileTrust.checkCode(path, role: .runbook)
        } catch {
            return .failure(Problem(path: path, message: "refused: \(error.description)"))
        }
        if let entry = cache.withLock({ $0[path] }), entry.stamp == stamp { return entry.result }
        let result: Result<Runbook, Problem>
        do {
            result = .success(try loader.load(path: path))
        } catch {
            result = .failure(Problem(path: path, message: "\(error)"))
        }
        cache.withLock { $0[path] = Entry(stamp: stamp, result: result) }
        return result
    }
}
