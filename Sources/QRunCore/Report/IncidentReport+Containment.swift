import Foundation

extension IncidentReport {
    /// Action prefixes whose steps observe, wait or tell, and so never count as containment.
    public static let nonContainmentPrefixes = ["core.", "evidence.", "notify.", "preflight.", "integrity."]

    /// Whether a step of this action changes something to contain the incident (revoke, rotate,
    /// stop, call out).
    public static func isContainment(action: String) -> Bool {
        !nonContainmentPrefixes.contains { action.hasPrefix($0) }
    }

    /// Main-phase steps whose action contains (succeeded or not).
    public var containmentSteps: [StepRecord] {
        steps.filter { $0.phase == .main && Self.isContainment(action: $0.action) }
    }

    /// When the first containment step succeeded; nil in a drill, or while none has.
    public var firstContainedAt: Date? {
        guard run.mode == .apply else { return nil }
        return containmentSteps.filter { $0.status == .succeeded }.compactMap(\.finishedAt).min()
    }

    /// When the last containment step succeeded, provided none failed, was cancelled or is still
    /// open (skipped ones, whose condition was false, do not count); nil otherwise.
    public var containedAt: Date? {
        guard run.mode == .apply else { return nil }
        let relevant = containmentSteps.filter { $0.status != .skipped }
        guard !relevant.isEmpty, relevant.allSatisfy({ $0.status == .succeeded }) else { return nil }
        return relevant.compactMap(\.finishedAt).max()
    }

    /// From the run's creation to its first containment.
    public var timeToFirstContainment: Duration? { firstContainedAt.map { .milliseconds(offsetMS($0)) } }

    /// From the run's creation to full containment.
    public var timeToContain: Duration? { containedAt.map { .milliseconds(offsetMS($0)) } }

    /// `contained`, `partial` (some containment succeeded, some did not), `not_contained`,
    /// `nothing_to_contain` (no containment step ran) or `drill`.
    public var containmentStatus: String {
        if run.mode == .drill { return "drill" }
        if containedAt != nil { return "contained" }
        if firstContainedAt != nil { return "partial" }
        return containmentSteps.contains { $0.status != .skipped } ? "not_contained" : "nothing_to_contain"
    }

    /// Containment steps that did not succeed (failed, cancelled, still open).
    public var uncontainedSteps: [StepRecord] {
        containmentSteps.filter { $0.status != .succeeded && $0.status != .skipped }
    }
}
