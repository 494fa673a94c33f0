import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// What a run costs the disk, counted with `strace` on one extra (untimed) run: durable syncs
/// (`fdatasync` + `fsync`) and pages written, into the WAL (frames) and into the database file
/// (checkpoints). Pages per commit of the single-row baseline are read from its WAL's size.
enum SyscallProbe {
    struct Counts {
        var syncs = 0
        var walPages = 0
        var dbPages = 0
    }

    static var available: Bool { access("/usr/bin/strace", X_OK) == 0 }

    /// Runs `exe args` under strace and counts its syncs and page writes.
    static func count(_ exe: String, _ args: [String], traceFile: String, pageSize: Int = 4096) throws -> Counts {
        let (_, _, status) = try Bench.runQRun("/usr/bin/strace", ["-f", "-y", "-qq", "-o", traceFile, "-e", "trace=fdatasync,fsync,pwrite64", exe] + args)
        guard status == 0 else { throw BenchError("strace \(exe) \(args.first ?? "") exited \(status)") }
        defer { unlink(traceFile) }
        let text = try String(contentsOfFile: traceFile, encoding: .utf8)
        var c = Counts()
        let page = "= \(pageSize)"
        for line in text.split(separator: "\n") {
            if line.contains("fdatasync(") || line.contains("fsync(") {
                if !line.contains("<unfinished") { c.syncs += 1 }
            } else if line.contains("pwrite64("), line.hasSuffix(page) {
                if line.contains(".sqlite-wal>") { c.walPages += 1 } else if line.contains(".sqlite>") { c.dbPages += 1 }
            }
        }
        return c
    }

    /// WAL frames per single-row durable commit (the baseline's own pages per step).
    static func baselinePagesPerCommit(path: String, commits: Int = 500) throws -> Double {
        var config = Configuration()
        config.journalMode = .wal
        let q = try DatabaseQueue(path: path, configuration: config)
        defer { for s in ["", "-wal", "-shm"] { unlink(path + s) } }
        try q.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, step TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL)")
            try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        for i in 0..<commits {
            try q.write { db in
                try db.execute(sql: "INSERT INTO t (step, status, at) VALUES (?, 'running', ?)", arguments: ["s\(i)", "\(i)"])
            }
        }
        var st = stat()
        guard stat(path + "-wal", &st) == 0 else { throw BenchError("baseline WAL missing") }
        let frames = (Int(st.st_size) - 32) / (24 + 4096)
        return Double(frames) / Double(commits)
    }
}
