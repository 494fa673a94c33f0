import GRDB

extension QRunDatabase {
    /// SQLite's `data_version` for this connection: it changes when another connection (another
    /// process) commits, which is how one watcher sees approvals and cancel requests for every
    /// run a daemon executes without polling each run.
    public func dataVersion() throws(StoreError) -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
    }
}
