import Foundation

/// The run's timeline on one axis: milliseconds from the run's creation. Each step is a row of
/// attempt segments (a retry shows as a gap and a second segment); marks pin triggers, approvals
/// and containment to the axis. The HTML review draws it as a Gantt chart; the Markdown and JSON
/// reviews use its relative times.
public struct Timeline: Sendable {
    /// One attempt of a step, as an interval of the axis.
    public struct Segment: Sendable, Equatable {
        public var attempt: Int
        public var start: Int64
        public var end: Int64
        /// The attempt's outcome: succeeded, failed, interrupted, running.
        public var status: String
        /// True while the attempt has no end yet (drawn up to the end of the axis).
        public var open: Bool
    }

    /// One step.
    public struct Row: Sendable {
        public var step: String
        public var phase: StepSpec.Phase
        public var status: StepStatus
        public var segments: [Segment]
        /// Why a step never ran (skipped, cancelled).
        public var reason: String?
    }

    /// A point in time worth a vertical line.
    public struct Mark: Sendable, Equatable {
        public enum Kind: String, Sendable { case trigger, approval, firstContainment = "first_containment", contained, finished }
        public var at: Int64
        public var kind: Kind
        public var label: String
    }

    public var rows: [Row] = []
    public var marks: [Mark] = []
    /// Length of the axis (at least 1 ms).
    public var span: Int64 = 1

    public init(_ r: IncidentReport) {
        let ends = r.attempts.compactMap(\.finishedAt).map(r.offsetMS) + r.steps.compactMap(\.finishedAt).map(r.offsetMS)
            + r.events.compactMap { Timestamp.parse($0.ts) }.map(r.offsetMS) + [r.run.finishedAt.map(r.offsetMS) ?? 0]
        span = max(1, ends.max() ?? 1)
        for s in r.steps {
            var segs = r.attempts(of: s.stepID).map { a in
                Segment(attempt: a.attempt, start: max(0, r.offsetMS(a.startedAt)), end: a.finishedAt.map(r.offsetMS) ?? span,
                        status: a.status, open: a.finishedAt == nil)
            }
            // A step that started without an attempt record (an approval gate waiting for its
            // decision) is drawn from its own start and end.
            if segs.isEmpty, let started = s.startedAt {
                segs = [Segment(attempt: max(1, s.attempt), start: max(0, r.offsetMS(started)), end: s.finishedAt.map(r.offsetMS) ?? span,
                                status: s.status == .succeeded || s.status == .failed ? s.status.rawValue : "running", open: s.finishedAt == nil)]
            }
            rows.append(Row(step: s.stepID, phase: s.phase, status: s.status, segments: segs, reason: s.error))
        }
        for t in r.reviewTriggers where t.attached {
            if let d = Timestamp.parse(t.at) { marks.append(Mark(at: r.offsetMS(d), kind: .trigger, label: "attached: \(t.headline)")) }
        }
        for a in r.approvals {
            let label = "\(a.stepID): \(a.approved ? "approved" : "rejected") by \(a.actor)"
            marks.append(Mark(at: r.offsetMS(a.decidedAt), kind: .approval, label: label))
        }
        if let f = r.firstContainedAt { marks.append(Mark(at: r.offsetMS(f), kind: .firstContainment, label: "first containment")) }
        if let c = r.containedAt { marks.append(Mark(at: r.offsetMS(c), kind: .contained, label: "contained")) }
        if let f = r.run.finishedAt { marks.append(Mark(at: r.offsetMS(f), kind: .finished, label: "run \(r.run.status.rawValue)")) }
        marks.sort { $0.at < $1.at }
    }

    /// Axis ticks at a round step (1, 2 or 5 times a power of ten milliseconds), at most `count` + 1.
    public func ticks(count: Int = 8) -> [Int64] {
        var step: Int64 = 1
        outer: while true {
            for m: Int64 in [1, 2, 5] where span / (step * m) <= Int64(count) {
                step *= m
                break outer
            }
            step *= 10
        }
        return Array(stride(from: Int64(0), through: span, by: Int(step)))
    }

    /// `+1.234s`, `+4m05.2s`, `+1h02m05s`: a time relative to the run's creation.
    public static func relative(_ ms: Int64) -> String {
        let sign = ms < 0 ? "-" : "+"
        let a = abs(ms)
        if a < 60_000 { return sign + String(format: "%.3fs", Double(a) / 1000) }
        if a < 3_600_000 { return sign + String(format: "%ldm%04.1fs", a / 60_000, Double(a % 60_000) / 1000) }
        return sign + String(format: "%ldh%02ldm%02lds", a / 3_600_000, (a % 3_600_000) / 60_000, (a % 60_000) / 1000)
    }
}
