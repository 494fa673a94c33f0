import Foundation
import QRunCore

/// The readiness scorecard of a plan-mode drill: for each step that would run, which checks passed
/// and what to configure where one failed, and an estimated time to contain.
///
/// The checks come from what the drill did: each action's `plan` makes its read-only checks at
/// the provider (credential resolved, `sys/capabilities-self` for Vault paths, IAM and Graph reads),
/// and its error names what is missing; the scorecard files that error under credentials,
/// permissions or endpoint. Approval steps are checked here: every principal named in `approvers:`
/// must be one qrun can authenticate (a `serve.principals` name or a Unix user).
public struct DrillScorecard: Sendable {
    /// One check of one step.
    public struct Check: Sendable {
        /// `plan`, `credentials`, `permissions`, `endpoint`, `approvers`.
        public var name: String
        public var passed: Bool
        public var detail: String
    }

    /// One step that would run.
    public struct Step: Sendable {
        public var id: String
        public var action: String
        public var checks: [Check]
        /// Seconds this step is expected to take, and where the figure comes from.
        public var estimate: Double?
        public var estimateSource: String
        public var ready: Bool { checks.allSatisfy(\.passed) }
    }

    public var steps: [Step]
    /// Longest path through the steps that would run, with each step's estimate (approval waits
    /// excluded: they last as long as a person takes).
    public var estimatedTimeToContain: Double
    /// Steps on no bound: no `timeout:` and no past successful run.
    public var unbounded: [String]

    public var ready: Int { steps.filter(\.ready).count }

    public init(runbook: Runbook, records: [StepRecord], principals: Set<String>, pastDurations: [String: [Double]],
                isUser: (String) -> Bool = DrillScorecard.isUnixUser) {
        let byID = Dictionary(records.map { ($0.stepID, $0) }, uniquingKeysWith: { a, _ in a })
        var steps: [Step] = []
        var unbounded: [String] = []
        var finish: [String: Double] = [:]
        for spec in runbook.steps {
            guard let rec = byID[spec.id], rec.status != .skipped else { finish[spec.id] = spec.needs.compactMap { finish[$0] }.max() ?? 0; continue }
            var checks: [Check] = []
            if rec.status == .succeeded {
                checks.append(Check(name: "plan", passed: true, detail: "read-only checks passed"))
            } else {
                let why = rec.error ?? "plan ended \(rec.status.rawValue)"
                checks.append(Check(name: Self.category(of: why), passed: false, detail: why))
            }
            var estimate: Double?
            var source = "no timeout: and no past run"
            if spec.uses == "core.approval" {
                let policy = ApprovalPolicy(step: spec)
                let unknown = policy.approvers.filter { !principals.contains($0) && !isUser($0) }
                if policy.approvers.isEmpty {
                    checks.append(Check(name: "approvers", passed: true, detail: "any person at the terminal or API principal may decide"))
                } else if unknown.isEmpty {
                    checks.append(Check(name: "approvers", passed: true, detail: "routable to \(policy.approvers.joined(separator: ", "))"))
                } else {
                    checks.append(Check(name: "approvers", passed: false,
                                        detail: "nobody can answer as \(unknown.joined(separator: ", ")): "
                                            + "add each to serve.principals in qrun.yaml or create the Unix user"))
                }
                estimate = 0
                source = "a person's decision (not counted)"
            } else if let past = pastDurations[spec.id], !past.isEmpty {
                estimate = Self.median(past)
                source = "median of \(past.count) past run\(past.count == 1 ? "" : "s")"
            } else if let t = spec.timeout {
                estimate = Double(t.components.seconds) * Double(max(1, spec.retry.maxAttempts))
                source = spec.retry.maxAttempts > 1 ? "timeout × \(spec.retry.maxAttempts) attempts" : "timeout"
            } else {
                unbounded.append(spec.id)
            }
            finish[spec.id] = (spec.needs.compactMap { finish[$0] }.max() ?? 0) + (estimate ?? 0)
            steps.append(Step(id: spec.id, action: spec.uses, checks: checks, estimate: estimate, estimateSource: source))
        }
        self.steps = steps
        self.unbounded = unbounded
        estimatedTimeToContain = finish.values.max() ?? 0
    }

    /// Which check an action's plan error is about, from the words providers and qrun use.
    static func category(of error: String) -> String {
        let e = error.lowercased()
        let groups: [(String, [String])] = [
            ("permissions", ["lacks", "accessdenied", "not authorized", "forbidden", "403", "permission", "unauthorizedoperation"]),
            ("endpoint", ["address", "endpoint", "connect", "refused", "resolve host", "timed out", "unreachable", "could not reach"]),
            ("credentials", ["is not set", "secret", "credential", "api key", "token", "not configured", "401"]),
        ]
        for (name, words) in groups where words.contains(where: e.contains) { return name }
        return "plan"
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Whether the password database knows `name`.
    public static func isUnixUser(_ name: String) -> Bool {
        name.withCString { getpwnam($0) } != nil
    }
}
