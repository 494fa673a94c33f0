import GRDB

/// A problem with the state directory or database, phrased for an operator.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        case unsafePermissions, notADatabase, locked, readOnly, io, conflict, notFound, invalidState, tooNew
        /// State owned by another user, or a symbolic link where a state file belongs.
        case untrusted
        /// A damaged database, or a value in it that no known case matches.
        case corrupt
        /// The disk is full.
        case full
        /// The one asking may not do this (an approver not listed, separation of duties).
        case forbidden
        /// A signed request seen before.
        case replay
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// A damaged database file: what was found, and what to do with it.
    static func damaged(_ path: String, detail: String, stoppedBefore: String) -> StoreError {
        StoreError(.corrupt, "state database \(path) is damaged (\(detail)); qrun stopped before \(stoppedBefore). Copy it aside (`cp \(path) damaged.sqlite`) and run `qrun audit verify --state-dir DIR_OF_THE_COPY` to see which audit events survive, then restore a backup or move the file away to start afresh.")
    }

    /// Translates a SQLite error into a sentence; bound values are never included.
    static func from(_ error: Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let db = error as? DatabaseError else {
            return StoreError(.io, "state database \(path): \(error)")
        }
        switch db.resultCode {
        case .SQLITE_NOTADB:
            return StoreError(.notADatabase, "state database \(path) is not a SQLite database; it was left untouched. Move it aside (or restore a backup) and run again.")
        case .SQLITE_CORRUPT:
            return .damaged(path, detail: "SQLite: \(db.message ?? "corrupt")", stoppedBefore: "writing anything more to it")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return StoreError(.locked, "state database \(path) is locked by another process and stayed locked; nothing was changed. Retry when the other qrun command has finished.")
        case .SQLITE_READONLY:
            return StoreError(.readOnly, "state database \(path) is read-only; nothing was changed. Check the file's owner and permissions.")
        case .SQLITE_FULL:
            return StoreError(.full, "the disk holding \(path) is full: the last change was not recorded (SQLite rolled it back) and everything committed before it is intact. Free some space, then retry; an interrupted run continues with `qrun resume RUN_ID`.")
        case .SQLITE_CANTOPEN:
            return StoreError(.io, "cannot open state database \(path); check that the state directory exists and is writable.")
        default:
            return StoreError(.io, "state database \(path): SQLite error \(db.resultCode.primaryResultCode.rawValue) (\(db.message ?? "no detail"))")
        }
    }
}
