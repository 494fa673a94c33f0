import Foundation
import QRunCore

/// `aws.braket.cancel-tasks`: cancels the Amazon Braket quantum tasks that a leaked identity may
/// have queued — those still `CREATED`, `QUEUED` or `RUNNING` within the scope given by
/// `created_after`, `device_arn` and `tags` (see ``AWSBraketTaskSearch`` for why Braket cannot
/// filter by creator).
///
/// Idempotency: the provider's own client tokens plus status checks. Each `CancelQuantumTask`
/// carries `clientToken` = SHA-256 of the step's idempotency key and the task ARN (64 hex
/// characters, the API's maximum), so a repeated call for the same task is the same request.
/// Tasks already `CANCELLING` or `CANCELLED` are counted as done and not called again; a
/// `ConflictException` is settled by reading the task (`GetQuantumTask`): cancelling/cancelled is
/// done, completed/failed finished on its own. A resume therefore reports the same `cancelled`
/// count and ARNs without a second cancellation.
///
/// - plan: `SearchQuantumTasks`; lists what would be cancelled.
/// - verify: `SearchQuantumTasks` finds no task left `CREATED`, `QUEUED` or `RUNNING` in scope.
public struct AWSBraketCancelTasksAction: Action {
    let configuration: AWSConfiguration
    let transport: HTTPTransport
    let now: @Sendable () -> Date

    /// Creates the action.
    public init(configuration: AWSConfiguration, transport: HTTPTransport, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.now = now
    }

    /// Name, parameters, verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(
            name: "aws.braket.cancel-tasks",
            summary: "Cancel queued and running Amazon Braket quantum tasks in a time window, device or tag scope",
            parameters: [
                ParameterSpec("created_after", .string, secret: .forbidden,
                              description: "UTC time; tasks created at or after it (e.g. when the key leaked), or a duration (6h: that long before now)"),
                ParameterSpec("device_arn", .string, secret: .forbidden, description: "only tasks on this device"),
                ParameterSpec("tags", .map, secret: .forbidden, description: "only tasks carrying all these tags"),
                ParameterSpec("max_tasks", .int, secret: .forbidden, description: "refuse to act when more tasks match (default 500)"),
            ],
            supportsVerify: true).declaring(Self.outputs)
    }

    static let outputs = [
        OutputSpec("cancelled", "int", "Tasks in scope that are cancelled or cancelling."),
        OutputSpec("task_arns", "list", "Their ARNs (plan: the ARNs that would be cancelled)."),
        OutputSpec("newly_cancelled", "int", "Tasks this call cancelled."),
        OutputSpec("finished_before_cancel", "list", "Tasks that completed or failed before their cancel."),
        OutputSpec("would_cancel", "int", "plan: active tasks in scope."),
        OutputSpec("first_created", "string", "Creation time of the earliest task in scope (UTC; empty when none)."),
        OutputSpec("last_created", "string", "Creation time of the latest task in scope."),
        OutputSpec("count", "int", "Tasks in scope (the exposure count)."),
        OutputSpec("shots", "int", "Sum of their shots (-1 when a summary reports none)."),
        OutputSpec("estimated_cost", "string", "Always \"not reported: …\": Braket reports shots and device, not a price."),
        OutputSpec("verified", "bool", "verify: no task in scope is left created, queued or running."),
    ]

    /// The cancellation's client token for one task.
    static func clientToken(_ call: ActionCall, arn: String) -> String {
        Digest.sha256Hex("aws.braket.cancel-tasks\n\(call.idempotencyKey)\n\(arn)")
    }

    /// Lists what would be cancelled.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let scope = try AWSBraketTaskSearch(call, now: now())
        let braket = try await configuration.client(.braket, call: call, transport: transport, now: now)
        let active: [AWSBraketTaskSearch.Task]
        do { active = try await scope.find(braket, statuses: AWSBraketTaskSearch.active) } catch { throw error.actionError }
        try Self.checkLimit(active.count, scope)
        let outputs: [String: Value] = ["would_cancel": .int(active.count), "task_arns": .array(active.map { .string($0.arn) })]
        return ActionResult(outputs: Self.exposure(active).merging(outputs) { $1 },
                            summary: "would cancel \(active.count) quantum task\(active.count == 1 ? "" : "s") \(scope.description)")
    }

    /// Cancels every active task in scope; counts those already cancelled.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let scope = try AWSBraketTaskSearch(call, now: now())
        let braket = try await configuration.client(.braket, call: call, transport: transport, now: now)
        let active: [AWSBraketTaskSearch.Task]
        var done: Set<String> = []
        var inScope: [String: AWSBraketTaskSearch.Task] = [:]
        do { active = try await scope.find(braket, statuses: AWSBraketTaskSearch.active) } catch { throw error.actionError }
        try Self.checkLimit(active.count, scope)
        var newly = 0
        var finished: [String] = []
        do {
            for t in try await scope.find(braket, statuses: AWSBraketTaskSearch.cancelled) {
                done.insert(t.arn)
                inScope[t.arn] = t
            }
            for t in active { inScope[t.arn] = t }
            for task in active {
                switch try await cancel(braket, task, call) {
                case .cancelled: done.insert(task.arn); newly += 1
                case .alreadyCancelled: done.insert(task.arn)
                case .finished: finished.append(task.arn)
                }
            }
        } catch {
            throw error.actionError
        }
        let arns = done.sorted()
        let outputs: [String: Value] = ["cancelled": .int(arns.count), "task_arns": .array(arns.map(Value.string)), "newly_cancelled": .int(newly),
                                        "finished_before_cancel": .array(finished.map(Value.string))]
        return ActionResult(
            outputs: Self.exposure(Array(inScope.values)).merging(outputs) { $1 },
            summary: "\(arns.count) quantum task\(arns.count == 1 ? " is" : "s are") cancelled or cancelling \(scope.description) (\(newly) by this call)")
    }

    enum Outcome { case cancelled, alreadyCancelled, finished }

    /// One `CancelQuantumTask`, with conflicts settled by reading the task.
    func cancel(_ braket: AWSClient, _ task: AWSBraketTaskSearch.Task, _ call: ActionCall) async throws(AWSError) -> Outcome {
        do {
            let r = try await braket.rest("CancelQuantumTask", method: "PUT", path: AWSBraketTaskSearch.path(task.arn, "/cancel"),
                                          body: ["clientToken": .string(Self.clientToken(call, arn: task.arn))])
            let status = r["cancellationStatus"]?.stringValue ?? ""
            call.log("CancelQuantumTask \(task.arn): \(status.isEmpty ? "accepted" : status)")
            return .cancelled
        } catch where error.code == "ConflictException" || error.code == "ResourceNotFoundException" {
            if error.code == "ResourceNotFoundException" {
                call.log("quantum task \(task.arn) no longer exists; skipping it")
                return .finished
            }
            let now = try await braket.rest("GetQuantumTask", method: "GET", path: AWSBraketTaskSearch.path(task.arn))
            let status = now["status"]?.stringValue ?? ""
            if AWSBraketTaskSearch.cancelled.contains(status) { return .alreadyCancelled }
            if status == "COMPLETED" || status == "FAILED" {
                call.log("quantum task \(task.arn) ended \(status) before it could be cancelled")
                return .finished
            }
            throw error
        }
    }

    /// Proves no task in scope is still waiting or running.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let scope = try AWSBraketTaskSearch(call, now: now())
        let braket = try await configuration.client(.braket, call: call, transport: transport, now: now)
        let left: [AWSBraketTaskSearch.Task]
        do { left = try await scope.find(braket, statuses: AWSBraketTaskSearch.active) } catch { throw error.actionError }
        guard left.isEmpty else {
            throw ActionError(message: "\(left.count) quantum task\(left.count == 1 ? " is" : "s are") still created, queued or running \(scope.description), e.g. \(left[0].arn)", retryable: true)
        }
        let residual = "Tasks still CANCELLING may finish the shots already on the device and are billed for them; results of tasks that completed stay in their S3 output location; new tasks can be created by any credential that has not been revoked."
        return ActionResult(outputs: ["verified": true, "residual_validity": .string(residual)],
                            summary: "no quantum task is created, queued or running \(scope.description)")
    }

    /// The cost exposure of the tasks in scope (active, plus those already cancelling or
    /// cancelled, so a resume reports the same window): `first_created`, `last_created`, `count`,
    /// `shots` (their sum; -1 when a summary has none) and `estimated_cost` (Braket reports no price).
    static func exposure(_ tasks: [AWSBraketTaskSearch.Task]) -> [String: Value] {
        var out = ExposureWindow(created: tasks.map(\.createdAt)).outputs
        out["count"] = .int(tasks.count)
        let shots = tasks.compactMap(\.shots)
        out["shots"] = .int(shots.count == tasks.count ? shots.reduce(0, +) : -1)
        out["estimated_cost"] = .string(ExposureWindow.notReported("Amazon Braket", reports: "shots and device"))
        return out
    }

    static func checkLimit(_ count: Int, _ scope: AWSBraketTaskSearch) throws(ActionError) {
        guard count <= scope.maxTasks else {
            throw ActionError(message: "\(count) quantum tasks match \(scope.description), more than max_tasks (\(scope.maxTasks)); narrow the scope or raise max_tasks", retryable: false)
        }
    }
}
