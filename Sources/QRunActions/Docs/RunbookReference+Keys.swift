extension RunbookReference {
    /// What each key means, by place (the places of ``RunbookKeys/sections``).
    static let keyDescriptions: [String: [String: String]] = [
        "top level": [
            "runbook": "The name, lower-case letters, digits, `.`, `_`, `-`; the file must be `runbooks/<name>.yaml`.",
            "version": "A whole number; bump it on every change (a version already run with other text is refused).",
            "description": "What the runbook is for, one or two sentences.",
            "inputs": "The inputs, by name (`[a-z][a-z0-9_]*`): see `inputs.<name>`.",
            "env": "Environment variable names expressions may read as `env.NAME` (nothing else of the environment is visible).",
            "concurrency": "`key` (a template): one open run per rendered key; later triggers attach to it. See `concurrency`.",
            "max_parallel": "At most this many steps run at once (default: no limit).",
            "triggers": "What starts a run besides a person: alerts, events, schedules. See `triggers[]`.",
            "steps": "The DAG of steps. See `steps[] and on_failure[]`.",
            "on_failure": "Steps that run once when the run fails (e.g. page someone); same keys as steps.",
        ],
        "inputs.<name>": [
            "type": "string, int, bool, enum, duration, timestamp (RFC 3339, normalised to UTC) or secret (a reference, never a value).",
            "required": "Whether a run must be given it (default false).",
            "default": "The value when none is given.",
            "pattern": "A regular expression a string input must match in full.",
            "description": "Shown by `qrun incident NAME --help` and in this reference.",
            "values": "The allowed strings of an enum input.",
        ],
        "concurrency": [
            "key": "A template, e.g. `credential-leak/${{ inputs.token_id }}`.",
            "absorb": "How long after a successful run later alerts for the same key still attach to it (default 1h).",
        ],
        "triggers[]": [
            "alert": "`{match: {label: value, …}}`: an alert (Alertmanager or signed JSON) whose labels all equal these starts a run.",
            "event": "An event name (`agent.onboarded`) raised by `qrun event` or `POST /v1/events`.",
            "schedule": "A 5-field cron expression or an interval such as `6h`.",
            "after": "For an event trigger: the first run this long after the event (default at once).",
            "inputs": "The run's inputs as templates over `alert.*`, `event.*` or `schedule.slot`.",
        ],
        "triggers[].alert": [
            "match": "Label names to values; every one must be equal.",
        ],
        "steps[] and on_failure[]": [
            "id": "Unique within the runbook, `[a-z0-9-]+`.",
            "uses": "The action (see Actions below, or a plugin's action).",
            "with": "The action's parameters; values may be templates `${{ … }}`.",
            "needs": "Step ids that must finish first (the DAG's edges); steps without it may start at once.",
            "if": "An expression; false skips the step (its dependants still run).",
            "retry": "How a failure the action calls retryable is retried. See `steps[].retry`.",
            "timeout": "A duration; an attempt that takes longer fails as retryable.",
            "description": "What the step is for, shown by `qrun plan` and the review.",
        ],
        "steps[].retry": [
            "max_attempts": "Attempts in all, the first included (1 to 100; default 1: no retry).",
            "backoff": "constant, linear or exponential (default).",
            "initial": "The first wait, a duration (default 1s).",
            "max": "The longest wait, a duration (default 30s).",
            "jitter": "Whether waits are randomised (default true).",
        ],
    ]
}
