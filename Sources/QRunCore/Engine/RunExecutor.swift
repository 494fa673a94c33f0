import Foundation

/// Settings of the executor.
public struct ExecutorConfiguration: Sendable {
    /// Steps that may run at once when the runbook does not say (`max_parallel`).
    public var defaultParallel: Int = 16
    /// How often the owner looks for approvals and cancel requests from other processes; nil
    /// when a ``RunControl`` tells it instead (the daemon watches the store once for all runs).
    public var pollInterval: Duration? = .milliseconds(200)
    /// Return (status `waiting`) instead of waiting when only approvals remain.
    public var returnWhenWaiting = false
    /// Who is acting, for the audit log (e.g. `cli:alice`).
    public var actor = "qrun"
    /// Environment visible to `env.*` (only names the runbook declares are read).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Secret references of the workspace config (provider credentials), resolved and registered
    /// for masking before any execution writes anything (see `docs/secrets.md`).
    public var secretReferences: [String] = []
    /// Time and waiting (backoffs, timeouts, approval deadlines).
    public var clock: any EngineClock = SystemEngineClock()
    /// Whether the registry holds simulated actions (a simulated drill). An executor only executes
    /// runs of its kind: a real run is never answered by simulated actions, and a simulated drill
    /// never reaches a real provider.
    public var simulates = false

    public init() {}
}

/// How a run ended (or paused) for the caller.
public struct RunOutcome: Sendable {
    public var runID: String
    public var status: RunStatus
}

/// A problem that stops the executor itself (not a failed step: those are data).
public struct ExecutorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a run to its end (or to a pause), persisting every transition before acting on it.
///
/// The loop: take every event that arrived (step results, timers, operator signals), feed them to
/// the ``RunStateMachine``, turn its commands into one ``StoreBatch`` (step intents, results and
/// audit events), commit it, and only then start the actions it decided on. A crash at any
/// instant leaves either the intent without the result (the step runs again under the same
/// idempotency key) or both.
public final class RunExecutor: Sendable {
    public let database: QRunDatabase
    public let stateDirectory: StateDirectory
    public let registry: ActionRegistry
    public let secrets: SecretResolver
    public let redactor: Redactor
    public let configuration: ExecutorConfiguration
    public let observer: RunObserver

    public init(database: QRunDatabase, stateDirectory: StateDirectory, registry: ActionRegistry, secrets: SecretResolver,
                redactor: Redactor, configuration: ExecutorConfiguration = ExecutorConfiguration(), observer: RunObserver = SilentObserver()) {
        self.database = database
        self.stateDirectory = stateDirectory
        self.registry = registry
        self.secrets = secrets
        self.redactor = redactor
        self.configuration = configuration
        self.observer = observer
    }

    /// The idempotency key of a step in a run: the same on every retry and every resume.
    /// The first 32 hex digits of SHA-256(`qrun/<run>/<step>`), grouped 8-4-4-4-12 like a UUID.
    public static func idempotencyKey(runID: String, stepID: String) -> String {
        let hex = Array(Digest.sha256Hex("qrun/\(runID)/\(stepID)").utf8.prefix(32))
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, c) in hex.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A new run id: time-ordered and unique (`20261125T080102Z-k3f9qa`).
    public static func newRunID(now: Date = Date()) -> String {
        let stamp = Timestamp.format(now).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
        let compact = String(stamp.prefix(15)) + "Z"
        let alphabet = Array("abcdefghijkmnpqrstuvwxyz23456789")
        var rng = SystemRandomNumberGenerator()
        let suffix = String((0..<6).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        return "\(compact)-\(suffix)"
    }

    /// Executes (or resumes) the run `runID` of `runbook` (the pinned text) until it ends, or
    /// until it waits for approval when configured to return then.
    ///
    /// `control` lets a long-lived owner tell the run that the store changed, drain it, or
    /// abandon it (see ``RunControl``); cancelling the calling task abandons it too.
    public func execute(runID: String, runbook: Runbook, control: RunControl? = nil) async throws -> RunOutcome {
        let lock = try RunLock(directory: stateDirectory, runID: runID)
        defer { withExtendedLifetime(lock) {} }
        // The flock makes a concurrent start fail fast; the lease row is the authority, so that
        // deleting a lock file cannot make two processes execute one run.
        try database.acquireLease(runID: runID)
        defer { database.releaseLease(runID: runID) }
        guard let run = try database.run(runID) else { throw StoreError(.notFound, "no run with id \(runID)") }
        if run.status.isTerminal { return RunOutcome(runID: runID, status: run.status) }
        guard run.isSimulation == configuration.simulates else {
            throw ExecutorError(run.isSimulation
                ? "run \(runID) is a simulated drill; only `qrun resume \(runID)` continues it, with simulated actions (nothing was called)"
                : "run \(runID) is not a simulated drill; simulated actions never execute it")
        }
        guard run.runbookSHA256 == runbook.source.sha256 else {
            throw ExecutorError("run \(runID) pinned runbook \(run.runbook) v\(run.runbookVersion) (sha256 \(run.runbookSHA256.prefix(12))…), not the text given; resume uses the pinned text")
        }
        try database.checkPinnedRunbook(run: run, sha256: runbook.source.sha256)
        // Whatever process runs this, it masks every secret the run can meet before it writes.
        await SecretPreregistration.register(runbook: runbook, inputs: run.inputs, configReferences: configuration.secretReferences,
                                             environment: configuration.environment, resolver: secrets)
        let session = try RunSession(executor: self, run: run, runbook: runbook, control: control ?? RunControl())
        return try await session.run()
    }
}
