import Foundation
import QRunCore

/// What started a run, as the run records it (`runs.trigger`) and as its expressions read it
/// (`run.trigger`, `alert.*`, `event.*`).
public struct TriggerContext: Sendable {
    /// `cli`, `alert`, `event`, `schedule`, `api`.
    public var source: String
    /// Who: `cli:alice`, `alert:alertmanager`, `api:bob`.
    public var actor: String
    /// The alert (labels, annotations, status, fingerprint, starts_at) for `source: alert`.
    public var alert: Value?
    /// The event (name, data, occurrence) for `source: event`.
    public var event: Value?
    /// Anything else worth keeping with the run (the endpoint, the receipt).
    public var extra: [String: Value]

    public init(source: String, actor: String, alert: Value? = nil, event: Value? = nil, extra: [String: Value] = [:]) {
        self.source = source
        self.actor = actor
        self.alert = alert
        self.event = event
        self.extra = extra
    }

    /// The stored form.
    public var value: Value {
        var o = extra
        o["source"] = .string(source)
        o["actor"] = .string(actor)
        if let alert { o["alert"] = alert }
        if let event { o["event"] = event }
        return .object(o)
    }
}

/// The one way to start a run, for the CLI and every trigger alike: validate the inputs given
/// (as data when a trigger gave them), check that the run could complete, render the
/// concurrency key, then create the run or attach to the open one holding its key, durably,
/// before anyone is told.
public struct RunStarter: Sendable {
    public let database: QRunDatabase
    public let catalog: any ActionCatalog

    public init(database: QRunDatabase, catalog: any ActionCatalog) {
        self.database = database
        self.catalog = catalog
    }

    /// Turns what a trigger or a person gave into a run request, or explains why it cannot run.
    public func request(runbook: Runbook, given: [String: Value], supplier: InputSupplier, mode: RunMode,
                        trigger: TriggerContext, flags: Bool = false, alertInstance: AlertInstance? = nil) throws -> RunRequest {
        let inputs = try RunInputs.resolve(runbook, given: given, supplier: supplier, flags: flags)
        // A simulated drill rehearses the real thing, so it is refused where the real run would be.
        if mode == .apply || trigger.extra["drill"]?.stringValue == "simulate" {
            let problems = RunPreconditions.problems(runbook: runbook, inputs: inputs, catalog: catalog)
            if !problems.isEmpty {
                throw RuntimeError(.invalidInput, "this run could not complete, so it was not started:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
            }
        }
        var key: String?
        if let t = runbook.concurrency {
            do {
                key = try t.render(in: ValueScope(roots: ["inputs": inputs, "run": .object([:]),
                                                          "alert": trigger.alert ?? .null, "event": trigger.event ?? .null])).interpolationText
            } catch {
                throw RuntimeError(.invalidInput, "cannot render the concurrency key: \(error)")
            }
            // A drill never attaches to a real run, nor a real run to a drill.
            if mode == .drill { key = key.map { "drill/\($0)" } }
        }
        return RunRequest(id: RunExecutor.newRunID(), runbook: runbook, mode: mode, inputs: inputs, trigger: trigger.value,
                          concurrencyKey: key, actor: trigger.actor, alertInstance: alertInstance)
    }

    /// Creates the run (or attaches to the open one with its key). With `claim`, this process
    /// owns a created run from the moment it exists, so no other process races to execute it.
    public func start(_ request: RunRequest, claim: Bool) throws -> QRunDatabase.CreateOutcome {
        try database.recordTrigger(receipt: nil, runs: [request], claim: claim).outcomes[0]
    }
}
