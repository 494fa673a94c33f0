import Foundation

/// A one-line reading of an audit event for the review's timeline ("step revoke attempt 2
/// failed: 503 …"). The raw data stays in the JSON review and `qrun audit export`.
enum EventSummary {
    static func text(_ e: AuditEvent) -> String {
        let d = (try? Value.parseJSON(e.data)) ?? .null
        func s(_ k: String) -> String { d[k]?.interpolationText ?? "" }
        let step = s("step"), attempt = d["attempt"]?.intValue.map { " attempt \($0)" } ?? ""
        switch e.kind {
        case "run.created":
            let source = d["trigger"]?["source"]?.interpolationText ?? "?"
            return "run created from \(s("runbook")) v\(s("version")) (\(s("mode"))), triggered by \(source)"
        case "run.started", "run.resumed": return e.kind == "run.started" ? "run started" : "run resumed"
        case "run.finished", "run.status": return "run \(s("status"))"
        case "trigger.attached":
            return "trigger attached (\(d["trigger"]?["source"]?.interpolationText ?? "?")) under concurrency key \(s("concurrency_key"))"
        case "step.started": return "\(step)\(attempt): \(s("verb")) \(s("action"))"
        case "step.succeeded": return "\(step)\(attempt) succeeded: \(s("summary"))"
        case "step.failed": return "\(step)\(attempt) failed\(d["retryable"]?.boolValue == true ? " (retryable)" : ""): \(s("error"))"
        case "step.retry_scheduled": return "\(step) retry scheduled after attempt \(s("after_attempt"))"
        case "step.skipped": return "\(step) skipped: \(s("reason"))"
        case "step.cancelled": return "\(step) cancelled: \(s("reason"))"
        case "step.interrupted": return "\(step)\(attempt) interrupted (repeated under the same idempotency key)"
        case "step.waiting_approval": return "\(step) waiting for approval"
        case "step.approved", "step.rejected", "approval.granted", "approval.rejected":
            return "\(step) \(e.kind.hasSuffix("approved") || e.kind.hasSuffix("granted") ? "approved" : "rejected") by \(e.actor)"
        default:
            return step.isEmpty ? e.kind : "\(e.kind) \(step)"
        }
    }
}
