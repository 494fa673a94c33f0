/// Who may decide an approval step, and how many must agree (`core.approval`'s `approvers`,
/// `min` and `allow_self`).
public struct ApprovalPolicy: Sendable, Equatable {
    /// Principal names allowed to decide; empty: anyone authenticated.
    public var approvers: [String]
    /// Distinct approvals needed.
    public var minimum: Int
    /// Whether the principal that started the run may approve it.
    public var allowSelf: Bool

    public init(approvers: [String] = [], minimum: Int = 1, allowSelf: Bool = false) {
        self.approvers = approvers
        self.minimum = max(1, minimum)
        self.allowSelf = allowSelf
    }

    /// The policy written in an approval step (literal values; the validator refuses others).
    public init(step: StepSpec) {
        func literal(_ key: String) -> Value? { step.with[key]?.staticValue }
        let approvers = literal("approvers")?.arrayValue?.compactMap(\.stringValue) ?? []
        self.init(approvers: approvers, minimum: literal("min")?.intValue ?? 1, allowSelf: literal("allow_self")?.boolValue ?? false)
    }

    /// The principal behind an actor as the audit log names it: `cli:alice` and `api:alice` are
    /// both `alice` (a person is the same principal at the terminal and through the API).
    public static func principal(of actor: String) -> String {
        for prefix in ["cli:", "api:"] where actor.hasPrefix(prefix) { return String(actor.dropFirst(prefix.count)) }
        return actor
    }
}
