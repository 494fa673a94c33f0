/// Something that starts a runbook: an alert, an event or a schedule.
public struct TriggerSpec: Sendable {
    /// What fires the trigger.
    public enum Kind: Sendable {
        /// An alert whose labels match all of these (exact values).
        case alert(match: [String: String])
        /// A named event, e.g. `agent.onboarded`.
        case event(name: String)
        /// A cron expression or an interval.
        case schedule(String)
    }

    public var kind: Kind
    /// Delay between the trigger firing and the run starting (`after: 24h`).
    public var after: Duration?
    /// Input values for the run, as templates over `alert.*` / `event.*`.
    public var inputs: [String: Template]
    public var location: SourceLocation
    /// Where each input's value stands, for validation messages.
    public var inputLocations: [String: SourceLocation] = [:]
}
