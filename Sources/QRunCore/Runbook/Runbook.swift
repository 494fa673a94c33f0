import Foundation

/// A validated, versioned runbook: the DAG of steps qrun runs, with its inputs and triggers.
///
/// A `Runbook` only exists after ``RunbookLoader`` has accepted its text, so every field here has
/// passed validation: step ids are unique, `needs` form a DAG, expressions refer only to names in
/// scope, and every action exists.
public struct Runbook: Sendable {
    /// The runbook's name (`runbook:` key), matching its file name.
    public var name: String
    /// The integer version (`version:` key), bumped on every change.
    public var version: Int
    /// Human description.
    public var description: String?
    /// Declared inputs, in file order.
    public var inputs: [InputSpec]
    /// Environment variable names that expressions may read as `env.NAME`.
    public var declaredEnvironment: [String]
    /// Run-level concurrency key template (one open run per rendered key).
    public var concurrency: Template?
    /// How many steps may run at once in a run of this runbook (nil: the engine default).
    public var maxParallel: Int?
    /// Triggers that start this runbook.
    public var triggers: [TriggerSpec]
    /// The main DAG.
    public var steps: [StepSpec]
    /// Steps run when the main DAG ends with a failure.
    public var onFailure: [StepSpec]
    /// Where the text came from, and its exact bytes.
    public var source: RunbookSource
    /// Where the concurrency key's value stands, for validation messages.
    public var concurrencyLocation: SourceLocation? = nil
    /// `concurrency.absorb`: how long after a run with the same key succeeded an alert still
    /// attaches to it instead of starting the containment again (default 1h; 0s: never).
    public var absorbWindow: Duration = .seconds(3600)

    /// Every step, main first, then `on_failure`.
    public var allSteps: [StepSpec] { steps + onFailure }

    /// The step with this id, in either phase.
    public func step(_ id: String) -> StepSpec? {
        allSteps.first { $0.id == id }
    }

    /// The input with this name.
    public func input(_ name: String) -> InputSpec? {
        inputs.first { $0.name == name }
    }
}

/// The exact text a runbook was loaded from, with its SHA-256 (what a run pins).
public struct RunbookSource: Sendable, Hashable {
    /// Path as given (used in error messages).
    public var path: String
    /// The full text.
    public var text: String
    /// Lower-case hex SHA-256 of the UTF-8 text.
    public var sha256: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
        self.sha256 = Digest.sha256Hex(Data(text.utf8))
    }
}
