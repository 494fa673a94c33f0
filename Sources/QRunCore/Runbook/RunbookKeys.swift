/// Every key a runbook may use, by where it may appear: the lists the builder checks against
/// (an unknown key is a validation error), published so the reference (`docs/runbooks.md`) is
/// generated from the same lists and cannot drift from them.
public enum RunbookKeys {
    /// Top-level keys.
    public static let topLevel = ["runbook", "version", "description", "inputs", "env", "concurrency",
                                  "max_parallel", "triggers", "steps", "on_failure"]
    /// Keys of one input under `inputs.<name>`.
    public static let input = ["type", "required", "default", "pattern", "description", "values"]
    /// Keys of `concurrency`.
    public static let concurrency = ["key", "absorb"]
    /// Keys of one trigger.
    public static let trigger = ["alert", "event", "schedule", "after", "inputs"]
    /// Keys of a trigger's `alert`.
    public static let alert = ["match"]
    /// Keys of one step (in `steps` and `on_failure`).
    public static let step = ["id", "uses", "with", "needs", "if", "retry", "timeout", "description"]
    /// Keys of a step's `retry`.
    public static let retry = ["max_attempts", "backoff", "initial", "max", "jitter"]

    /// Each place keys appear, with its keys, in reading order.
    public static let sections: [(place: String, keys: [String])] = [
        ("top level", topLevel), ("inputs.<name>", input), ("concurrency", concurrency), ("triggers[]", trigger),
        ("triggers[].alert", alert), ("steps[] and on_failure[]", step), ("steps[].retry", retry),
    ]
}
