import Foundation

/// The evidence one `evidence.snapshot` step preserved, as the review shows it: where it lies, the
/// SHA-256 of its manifest (also recorded in the audit chain), and the manifest's items with their
/// hashes when the manifest could be read.
public struct ReviewEvidence: Sendable {
    /// One manifest item.
    public struct Item: Sendable {
        /// Stored path relative to the evidence directory, nil for records that store nothing.
        public var path: String?
        /// Where it came from (a source path, or `proc:`, `env:`, `sdk:` records).
        public var source: String
        /// file, directory, symlink, record, skipped
        public var kind: String
        public var size: Int?
        /// SHA-256 of the content as collected.
        public var sha256: String?
        public var note: String?

        public init(path: String?, source: String, kind: String, size: Int?, sha256: String?, note: String?) {
            self.path = path
            self.source = source
            self.kind = kind
            self.size = size
            self.sha256 = sha256
            self.note = note
        }
    }

    public var step: String
    public var directory: String
    public var manifestSHA256: String?
    public var collectedAt: String?
    public var itemCount: Int?
    public var bytes: Int?
    public var sealed: Bool?
    /// The audit event (`step.succeeded`) that recorded the manifest hash.
    public var auditSeq: Int64?
    /// The manifest's items; empty when the manifest was not read.
    public var items: [Item] = []
    /// What re-checking every hash found: nil when not checked, empty when intact.
    public var problems: [String]?

    /// The evidence recorded by the run's succeeded `evidence.snapshot` steps (their outputs, and
    /// the audit events that carry them); items and problems are for the caller to add.
    public static func recorded(steps: [StepRecord], events: [AuditEvent]) -> [ReviewEvidence] {
        steps.compactMap { s in
            guard s.action == "evidence.snapshot", s.status == .succeeded, let o = s.outputs, let dir = o["directory"]?.stringValue else {
                return nil
            }
            let hash = o["manifest_sha256"]?.stringValue
            let seq = events.last { e in
                e.kind == "step.succeeded" && (try? Value.parseJSON(e.data))?["step"]?.stringValue == s.stepID
                    && hash.map { e.data.contains($0) } == true
            }?.seq
            return ReviewEvidence(step: s.stepID, directory: dir, manifestSHA256: hash, collectedAt: o["collected_at"]?.stringValue,
                                  itemCount: o["items"]?.intValue, bytes: o["bytes"]?.intValue, sealed: o["sealed"]?.boolValue, auditSeq: seq)
        }
    }

    /// In the review's JSON schema.
    public var json: Value {
        var o: [String: Value] = ["step": .string(step), "directory": .string(directory)]
        o["manifest_sha256"] = manifestSHA256.map(Value.string) ?? .null
        o["collected_at"] = collectedAt.map(Value.string) ?? .null
        o["items"] = itemCount.map(Value.int) ?? .null
        o["bytes"] = bytes.map(Value.int) ?? .null
        o["sealed"] = sealed.map(Value.bool) ?? .null
        o["audit_seq"] = auditSeq.map { .int(Int($0)) } ?? .null
        o["intact"] = problems.map { .bool($0.isEmpty) } ?? .null
        o["problems"] = .array((problems ?? []).map(Value.string))
        o["files"] = .array(items.map { i in
            .object(["path": i.path.map(Value.string) ?? .null, "source": .string(i.source), "kind": .string(i.kind),
                     "size": i.size.map(Value.int) ?? .null, "sha256": i.sha256.map(Value.string) ?? .null,
                     "note": i.note.map(Value.string) ?? .null])
        })
        return .object(o)
    }
}
