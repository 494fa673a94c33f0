import Foundation
import QRunCore

/// Which queued or running jobs `ibm.quantum.jobs.cancel` targets, as the list filters of
/// `GET /v1/jobs` (Qiskit Runtime REST API): `created_after`, `created_before`, `backend`,
/// `program`, `session_id`, `tags` (a job must carry every tag), always with `pending=true`.
struct IBMQuantumJobFilter: Sendable {
    var createdAfter: String
    var createdBefore: String?
    var backend: String?
    var program: String?
    var session: String?
    var tags: [String]

    /// Reads the filter parameters. `created_after` (and `created_before`) are RFC 3339
    /// timestamps, or durations such as `6h` meaning "that long before now".
    init(_ call: ActionCall, now: Date = Date()) throws(ActionError) {
        createdAfter = try Self.time(call.requiredString("created_after"), name: "created_after", now: now)
        createdBefore = try call.string("created_before").map { (s: String) throws(ActionError) in try Self.time(s, name: "created_before", now: now) }
        backend = try Self.plain(call, "backend")
        program = try Self.plain(call, "program")
        session = try Self.plain(call, "session")
        tags = []
        if let v = call.params["tags"], !v.isNull {
            guard let items = v.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw .invalid("tags must be a list of strings")
            }
            tags = items.compactMap(\.stringValue)
            guard tags.count <= 8 else { throw .invalid("tags: IBM allows at most 8 tags per job, so a filter of \(tags.count) matches nothing") }
        }
    }

    /// The query for one page.
    func query(offset: Int, limit: Int) -> [(String, String)] {
        var q: [(String, String)] = [("pending", "true"), ("created_after", createdAfter), ("limit", String(limit)),
                                     ("offset", String(offset)), ("exclude_params", "true")]
        if let createdBefore { q.append(("created_before", createdBefore)) }
        if let backend { q.append(("backend", backend)) }
        if let program { q.append(("program", program)) }
        if let session { q.append(("session_id", session)) }
        for t in tags { q.append(("tags", t)) }
        return q
    }

    /// "created after 2026-…, backend ibm_fez, tags [leak]".
    var display: String {
        var parts = ["created after \(createdAfter)"]
        if let createdBefore { parts.append("before \(createdBefore)") }
        if let backend { parts.append("backend \(backend)") }
        if let program { parts.append("program \(program)") }
        if let session { parts.append("session \(session)") }
        if !tags.isEmpty { parts.append("tags [\(tags.joined(separator: ", "))]") }
        return parts.joined(separator: ", ")
    }

    static func plain(_ call: ActionCall, _ name: String) throws(ActionError) -> String? {
        guard let s = try call.string(name), !s.isEmpty else { return nil }
        guard s.count <= 1000, !s.contains(where: { $0.isNewline }) else { throw .invalid("\(name) is not a plain value") }
        return s
    }

    static func time(_ text: String, name: String, now: Date) throws(ActionError) -> String {
        let out = ISO8601DateFormatter()
        if let d = DurationParser.parse(text) {
            return out.string(from: now.addingTimeInterval(-Double(d.components.seconds)))
        }
        let plain = ISO8601DateFormatter()
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = plain.date(from: text) ?? fractional.date(from: text) else {
            throw .invalid("\(name) must be an RFC 3339 time such as 2026-01-10T00:00:00Z, or a duration such as 6h, not '\(text.prefix(60))'")
        }
        return out.string(from: date)
    }
}
