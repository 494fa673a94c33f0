import Foundation
import GRDB

/// Who executes a run right now.
public struct RunLeaseRecord: Sendable {
    public var runID: String
    public var owner: String
    public var process: ProcessIdentity
    public var acquiredAt: Date?
}

extension QRunDatabase {
    /// Takes ownership of `runID` for this process, or throws `.locked` naming the live owner.
    /// A lease whose holder is no longer running (it crashed, or the machine rebooted) is taken over.
    /// Returns the owner token; every later commit of the run's progress checks it.
    @discardableResult
    public func acquireLease(runID: String) throws(StoreError) -> String {
        if let token = leases.withLock({ $0[runID] }) { return token }
        let me = ProcessIdentity.current
        let token = UUID().uuidString.lowercased()
        try write { db in
            if let current = try Self.lease(db, runID: runID), current.process.isAlive, current.process != me {
                throw StoreError(.locked, "run \(runID) is being executed by another qrun process (pid \(current.process.pid)); wait for it, or stop that process and run `qrun resume \(runID)`")
            }
            try Self.writeLease(db, runID: runID, token: token, process: me, at: Timestamp.format(Date()))
        }
        leases.withLock { $0[runID] = token }
        return token
    }

    /// Gives up ownership of `runID` (when the execution ends or pauses).
    public func releaseLease(runID: String) {
        guard let token = leases.withLock({ $0.removeValue(forKey: runID) }) else { return }
        _ = try? write { db in
            try db.execute(sql: "DELETE FROM run_leases WHERE run_id = ? AND owner = ?", arguments: [runID, token])
        }
    }

    /// The recorded owner of a run, if any (alive or not).
    public func lease(runID: String) throws(StoreError) -> RunLeaseRecord? {
        try read { db in try Self.lease(db, runID: runID) }
    }

    /// Whether a live process other than this one owns the run.
    public func isOwnedElsewhere(runID: String) throws(StoreError) -> Bool {
        guard let l = try lease(runID: runID) else { return false }
        return l.process.isAlive && l.process != ProcessIdentity.current
    }

    /// Inside a transaction that records progress of `runID`: this process must hold its lease.
    func checkLease(_ db: Database, runID: String) throws {
        guard let token = leases.withLock({ $0[runID] }) else {
            throw StoreError(.locked, "this process does not own run \(runID); its progress was not recorded")
        }
        let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT owner FROM run_leases WHERE run_id = ?"), arguments: [runID])
        guard owner == token else {
            throw StoreError(.locked, "run \(runID) was taken over by another qrun process; this process stops without recording more (the other one continues the run)")
        }
    }

    /// Records `process` as the owner of `runID` under `token`.
    static func writeLease(_ db: Database, runID: String, token: String, process: ProcessIdentity, at now: String) throws {
        try db.execute(sql: """
            INSERT OR REPLACE INTO run_leases (run_id, owner, pid, pid_start, boot_id, acquired_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [runID, token, Int(process.pid), process.startTime, process.bootID, now])
    }

    static func lease(_ db: Database, runID: String) throws -> RunLeaseRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM run_leases WHERE run_id = ?", arguments: [runID]).map { row in
            RunLeaseRecord(runID: row["run_id"], owner: row["owner"],
                           process: ProcessIdentity(pid: Int32(truncatingIfNeeded: row["pid"] as Int), startTime: row["pid_start"], bootID: row["boot_id"]),
                           acquiredAt: date(row["acquired_at"]))
        }
    }
}
