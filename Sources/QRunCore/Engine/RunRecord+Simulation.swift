/// A drill is recorded as `mode: drill` whichever kind it is; its trigger says which
/// (`{"source": "cli", "drill": "plan" | "simulate", …}`).
extension RunRecord {
    /// A simulated drill (`qrun drill NAME --simulate`): the real control flow (apply, retries,
    /// timeouts, approvals, `on_failure`) against simulated actions, recorded apart as a drill.
    public var isSimulation: Bool {
        mode == .drill && trigger["drill"]?.stringValue == "simulate"
    }

    /// Whether every step is only planned (a plan-mode drill): a failed plan makes its step
    /// "not ready" and approvals are planned, not awaited.
    public var plansOnly: Bool {
        mode == .drill && !isSimulation
    }
}
