import Foundation

/// One trigger of a run as the review shows it: the one that created the run, or a later one that
/// attached to it through the concurrency key. Everything in it came from outside (an alert's
/// labels, an event's data) and is data only.
public struct ReviewTrigger: Sendable {
    /// An alert's identity and context.
    public struct Alert: Sendable {
        public var status: String?
        public var fingerprint: String?
        /// When the alert started firing, as the sender said.
        public var startsAt: String?
        /// Sorted by name.
        public var labels: [(name: String, value: String)]
        /// Sorted by name.
        public var annotations: [(name: String, value: String)]
    }

    /// When the store recorded it.
    public var at: String
    /// `cli`, `alert`, `schedule`, `event`, or whatever a newer intake records.
    public var source: String
    /// Who or what: a person (`cli:alice`), an intake (`alertmanager`).
    public var actor: String?
    /// False for the trigger that created the run, true for the ones that attached later.
    public var attached: Bool
    public var alert: Alert?
    /// The RFC 3339 slot a schedule fired for.
    public var scheduleSlot: String?
    public var eventName: String?
    public var eventOccurrence: Int?
    /// The trigger exactly as recorded.
    public var raw: Value

    /// Reads a trigger as recorded (`run_triggers.data`, `runs.trigger`).
    public init(at: String, source: String?, data: Value, attached: Bool) {
        self.at = at
        self.attached = attached
        raw = data
        self.source = source ?? data["source"]?.stringValue ?? "unknown"
        actor = Self.text(data["actor"])
        if let a = data["alert"]?.objectValue {
            alert = Alert(status: Self.text(a["status"]), fingerprint: Self.text(a["fingerprint"]),
                          startsAt: Self.text(a["starts_at"] ?? a["startsAt"]), labels: Self.pairs(a["labels"]),
                          annotations: Self.pairs(a["annotations"]))
        }
        scheduleSlot = Self.text(data["schedule"]?["slot"] ?? data["slot"])
        if let e = data["event"] {
            eventName = e.stringValue ?? Self.text(e["name"])
            eventOccurrence = e["occurrence"]?.intValue ?? data["occurrence"]?.intValue
        }
    }

    /// A recorded value as text; absent, null or empty is nil.
    private static func text(_ v: Value?) -> String? {
        guard let v, !v.isNull else { return nil }
        let t = v.interpolationText
        return t.isEmpty ? nil : t
    }

    private static func pairs(_ v: Value?) -> [(name: String, value: String)] {
        guard let o = v?.objectValue else { return [] }
        return o.keys.sorted().map { ($0, o[$0]!.interpolationText) }
    }

    /// One line: what it was, in words.
    public var headline: String {
        switch source {
        case "cli": return "person \(actor ?? "unknown") (command line)"
        case "alert":
            let name = alert?.labels.first { $0.name == "alertname" }?.value ?? "alert"
            return "alert \(name)" + (alert?.status.map { " (\($0))" } ?? "")
        case "schedule": return "schedule slot \(scheduleSlot ?? "?")"
        case "event": return "event \(eventName ?? "?")" + (eventOccurrence.map { " occurrence \($0)" } ?? "")
        default: return source + (actor.map { " \($0)" } ?? "")
        }
    }

    /// The trigger as JSON in the review's schema.
    public var json: Value {
        var o: [String: Value] = ["at": .string(at), "source": .string(source), "attached": .bool(attached),
                                  "actor": actor.map(Value.string) ?? .null, "summary": .string(headline), "data": raw]
        o["alert"] = alert.map { a in
            .object(["status": a.status.map(Value.string) ?? .null, "fingerprint": a.fingerprint.map(Value.string) ?? .null,
                     "starts_at": a.startsAt.map(Value.string) ?? .null,
                     "labels": .object(Dictionary(a.labels.map { ($0.name, Value.string($0.value)) }, uniquingKeysWith: { x, _ in x })),
                     "annotations": .object(Dictionary(a.annotations.map { ($0.name, Value.string($0.value)) }, uniquingKeysWith: { x, _ in x }))])
        } ?? .null
        o["schedule_slot"] = scheduleSlot.map(Value.string) ?? .null
        o["event"] = eventName.map { .object(["name": .string($0), "occurrence": eventOccurrence.map(Value.int) ?? .null]) } ?? .null
        return .object(o)
    }
}

extension IncidentReport {
    /// Every trigger, the first (which created the run) and then each later one that attached.
    /// From `run_triggers`; a run recorded before that table held the first trigger falls back to `runs.trigger`.
    public var reviewTriggers: [ReviewTrigger] {
        var out = triggers.enumerated().map { i, t in
            ReviewTrigger(at: t["at"]?.stringValue ?? "", source: t["source"]?.stringValue, data: t["data"] ?? .null, attached: i > 0)
        }
        if out.isEmpty {
            out = [ReviewTrigger(at: Timestamp.format(run.createdAt), source: nil, data: run.trigger, attached: false)]
        }
        return out
    }
}
