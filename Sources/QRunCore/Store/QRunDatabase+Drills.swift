import GRDB

extension QRunDatabase {
    /// Drill runs (`mode: drill`, plan-mode and simulated), newest first: at most `limit` of each
    /// runbook, or of `runbook` alone when given.
    public func drillRuns(runbook: String? = nil, limitPerRunbook limit: Int) throws(StoreError) -> [RunRecord] {
        try read { db in
            let sql = """
                SELECT * FROM (
                    SELECT *, ROW_NUMBER() OVER (PARTITION BY runbook ORDER BY created_at DESC, id DESC) AS drill_rank
                    FROM runs WHERE mode = 'drill' AND (? IS NULL OR runbook = ?)
                ) WHERE drill_rank <= ? ORDER BY runbook, created_at DESC, id DESC
                """
            return try Row.fetchAll(db, sql: sql, arguments: [runbook, runbook, limit]).map { try Self.run(from: $0) }
        }
    }
}

extension QRunDatabase {
    /// How long each main step of `runbook` took in its last `limit` successful real runs (apply
    /// mode, succeeded), in seconds, by step id: what a drill's estimated time to contain uses.
    public func pastStepDurations(runbook: String, limit: Int = 20) throws(StoreError) -> [String: [Double]] {
        try read { db in
            let sql = """
                SELECT s.step_id, s.started_at, s.finished_at FROM steps s
                JOIN (SELECT id FROM runs WHERE runbook = ? AND mode = 'apply' AND status = 'succeeded'
                      ORDER BY created_at DESC LIMIT ?) r ON r.id = s.run_id
                WHERE s.status = 'succeeded' AND s.phase = 'main' AND s.started_at IS NOT NULL AND s.finished_at IS NOT NULL
                """
            var out: [String: [Double]] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: [runbook, limit]) {
                guard let start = Self.date(row["started_at"]), let end = Self.date(row["finished_at"]) else { continue }
                out[row["step_id"], default: []].append(max(0, end.timeIntervalSince(start)))
            }
            return out
        }
    }
}
