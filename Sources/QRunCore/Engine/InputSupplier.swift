/// Who gave a run's inputs, which decides whether a `type: secret` input may be given at all.
///
/// A secret reference is a capability (resolving `secret:file:PATH` reads that file), so only a
/// party trusted as much as the runbook author may choose one: a person at the terminal. Alerts,
/// events and anything else that arrives over the network are never trusted; their values are
/// data, always, and a `type: secret` input cannot be given by them (it keeps its default).
public enum InputSupplier: Sendable, Equatable {
    /// An operator at the CLI (`qrun run --input`, `qrun incident --flag`): may give references.
    case operatorAtTerminal
    /// A trigger (alert, event, schedule, webhook): its values are data and never references.
    case trigger
}
