import Foundation

/// `core.noop`: does nothing, successfully. Useful as a join point and in drills.
public struct NoopAction: Action {
    public init() {}
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "core.noop", summary: "Does nothing.", parameters: [
            ParameterSpec("message", .string, description: "Text to record in the step's summary."),
        ]).declaring([])
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        ActionResult(summary: (try call.string("message")) ?? "no-op")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        ActionResult(summary: (try call.string("message")) ?? "no-op")
    }
}

/// `core.sleep`: waits for `duration` (cancellable). In a drill it does not wait.
public struct SleepAction: Action {
    public init() {}
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "core.sleep", summary: "Waits for a duration.", parameters: [
            ParameterSpec("duration", .duration, required: true, secret: .forbidden, description: "How long, e.g. 2s."),
        ]).declaring([OutputSpec("slept_ms", "int", "How long it waited, in milliseconds (not in plan or a drill, which do not wait).")])
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        guard let d = try call.duration("duration") else { throw ActionError.invalid("parameter 'duration' is required") }
        return ActionResult(summary: "would wait \(DurationParser.format(d))")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        guard let d = try call.duration("duration") else { throw ActionError.invalid("parameter 'duration' is required") }
        do {
            try await Task.sleep(for: d)
        } catch {
            throw ActionError(message: "sleep interrupted", retryable: true)
        }
        return ActionResult(outputs: ["slept_ms": .int(Int(d.milliseconds))], summary: "waited \(DurationParser.format(d))")
    }
}

/// `core.approval`: pauses the run until `qrun approve` or `qrun reject`. The engine handles the
/// pause itself; this type only describes the step.
public struct ApprovalAction: Action {
    public init() {}
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "core.approval", summary: "Pauses until an operator approves or rejects.", parameters: [
            ParameterSpec("message", .string, description: "What the approver is asked."),
            ParameterSpec("approvers", .list, secret: .forbidden, description: "Principals who may decide (names from qrun.yaml's serve.principals, or Unix users at the CLI); anyone when absent."),
            ParameterSpec("min", .int, secret: .forbidden, description: "Distinct approvals needed before the step passes (default 1); one rejection fails it."),
            ParameterSpec("allow_self", .bool, secret: .forbidden, description: "Whether whoever started the run may approve it (default false: separation of duties)."),
        ])
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        ActionResult(summary: "would pause for approval: \((try call.string("message")) ?? "continue?")")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        ActionResult(summary: "approved")
    }
}
