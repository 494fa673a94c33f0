import Foundation
import QRunCore
import QRunRuntime

/// Reading alert bodies: shapes checked field by field, limits on every size, every value data.
enum AlertPayload {
    /// A body that cannot be used, answered 400 with this text; nothing is started.
    struct Invalid: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static let maxAlerts = 1000
    static let maxLabels = 128
    static let maxValueBytes = 8192

    static func parseJSON(_ body: [UInt8]) throws(Invalid) -> Value {
        guard !body.isEmpty else { throw Invalid("the body is empty; send a JSON object") }
        do {
            return try Value.parseJSON(Data(body))
        } catch {
            throw Invalid("the body is not valid JSON")
        }
    }

    /// An Alertmanager webhook (version 4). Fields a later Alertmanager adds are ignored.
    static func alertmanager(_ body: [UInt8]) throws(Invalid) -> [IncomingAlert] {
        guard case .object(let o) = try parseJSON(body) else { throw Invalid("an Alertmanager webhook is a JSON object") }
        guard let version = o["version"]?.stringValue else { throw Invalid("missing field version (an Alertmanager webhook says \"version\": \"4\")") }
        guard version == "4" else { throw Invalid("webhook version \(version.prefix(20)) is not supported; qrun reads version 4") }
        guard case .array(let items)? = o["alerts"] else { throw Invalid("missing field alerts (a list)") }
        guard items.count <= maxAlerts else { throw Invalid("\(items.count) alerts in one post; at most \(maxAlerts)") }
        var alerts: [IncomingAlert] = []
        for (i, item) in items.enumerated() {
            guard case .object(let a) = item else { throw Invalid("alerts[\(i)] is not an object") }
            alerts.append(try alert(a, at: "alerts[\(i)]", fingerprint: a["fingerprint"]?.stringValue))
        }
        return alerts
    }

    /// The generic endpoint's body: exactly `status`, `labels`, optional `annotations` and `id`.
    static func generic(_ body: [UInt8]) throws(Invalid) -> IncomingAlert {
        guard case .object(let o) = try parseJSON(body) else { throw Invalid("the body is a JSON object with status, labels, annotations and id") }
        let unknown = o.keys.filter { !["status", "labels", "annotations", "id"].contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw Invalid("unknown field \(unknown.map { "'\($0.prefix(64))'" }.joined(separator: ", ")); the body takes status, labels, annotations and id")
        }
        var fingerprint: String?
        if let id = o["id"] {
            guard let s = id.stringValue, !s.isEmpty, s.utf8.count <= 200 else { throw Invalid("id must be a string of 1 to 200 bytes") }
            fingerprint = "id:\(s)"
        }
        return try alert(o, at: "the alert", fingerprint: fingerprint)
    }

    private static func alert(_ a: [String: Value], at path: String, fingerprint: String?) throws(Invalid) -> IncomingAlert {
        guard let status = a["status"]?.stringValue else { throw Invalid("missing field status in \(path) (firing or resolved)") }
        guard status == "firing" || status == "resolved" else { throw Invalid("status in \(path) must be firing or resolved") }
        guard case .object(let labels)? = a["labels"] else { throw Invalid("missing field labels in \(path) (an object of strings)") }
        let l = try strings(labels, what: "labels", at: path, names: true)
        guard !l.isEmpty else { throw Invalid("labels in \(path) is empty") }
        var annotations: [String: String] = [:]
        if let ann = a["annotations"], ann != .null {
            guard case .object(let am) = ann else { throw Invalid("annotations in \(path) must be an object of strings") }
            annotations = try strings(am, what: "annotations", at: path, names: false)
        }
        func text(_ key: String) throws(Invalid) -> String? {
            guard let v = a[key], v != .null else { return nil }
            guard let s = v.stringValue, s.utf8.count <= 256 else { throw Invalid("\(key) in \(path) must be a string of at most 256 bytes") }
            return s
        }
        if let f = fingerprint, f.utf8.count > 256 { throw Invalid("fingerprint in \(path) is over 256 bytes") }
        return IncomingAlert(status: status, labels: l, annotations: annotations, fingerprint: fingerprint,
                             startsAt: try text("startsAt"), endsAt: try text("endsAt"), generatorURL: try text("generatorURL"))
    }

    private static func strings(_ m: [String: Value], what: String, at path: String, names: Bool) throws(Invalid) -> [String: String] {
        guard m.count <= maxLabels else { throw Invalid("\(what) in \(path) has \(m.count) entries; at most \(maxLabels)") }
        var out: [String: String] = [:]
        for (k, v) in m {
            if names, k.range(of: #"^[A-Za-z_][A-Za-z0-9_]{0,127}$"#, options: .regularExpression) == nil {
                throw Invalid("label name '\(k.prefix(64))' in \(path) is not a Prometheus label name")
            }
            guard k.utf8.count <= 128 else { throw Invalid("a name in \(what) of \(path) is over 128 bytes") }
            guard let s = v.stringValue else { throw Invalid("\(what).\(k.prefix(64)) in \(path) must be a string") }
            guard s.utf8.count <= maxValueBytes else { throw Invalid("\(what).\(k.prefix(64)) in \(path) is over \(maxValueBytes) bytes") }
            out[k] = s
        }
        return out
    }
}
