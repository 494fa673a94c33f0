import Foundation
import QRunCore

/// `ibm.quantum.jobs.cancel`: cancels the queued and running IBM Quantum Runtime jobs that match
/// a filter (`created_after`, optional `created_before`, `backend`, `program`, `session`, `tags`).
///
/// **Idempotency.** Cancelling is naturally idempotent and the action only ever targets jobs IBM
/// lists as pending: it lists every matching page first (`GET /v1/jobs?pending=true…`), then sends
/// `POST /v1/jobs/{id}/cancel` to each. A job that finished or was cancelled in between answers
/// 409 ("Job is in non cancellable status") or 404 and counts as done, not as a failure. A retry or
/// a resume after a crash lists again and finds the already-cancelled jobs no longer pending, so no
/// job receives a second effective cancel; `cancelled` counts the cancels of this attempt.
///
/// **Verify** lists again and expects no pending match. Jobs that are still (or newly) queued fail
/// verification as retryable, so the engine runs apply again and cancels them too.
public struct IBMQuantumJobsCancelAction: Action {
    let transport: HTTPTransport
    let settings: ProviderSettings
    let tokens: IAMTokenProvider
    /// Largest page `GET /v1/jobs` returns.
    static let pageSize = 200
    /// Pages read at most (a guard against a server that ignores `offset`).
    static let maxPages = 50

    /// Creates the action; `tokens` is shared by all IBM actions.
    public init(transport: HTTPTransport, settings: ProviderSettings, tokens: IAMTokenProvider) {
        self.transport = transport
        self.settings = settings
        self.tokens = tokens
    }

    /// Name, parameters and verify support.
    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "ibm.quantum.jobs.cancel", summary: "Cancels queued and running IBM Quantum Runtime jobs that match a filter.",
                         parameters: [
                            ParameterSpec("created_after", .string, required: true, secret: .forbidden,
                                          description: "Only jobs created at or after this RFC 3339 time, or within this duration before now (e.g. 6h)."),
                            ParameterSpec("created_before", .string, secret: .forbidden, description: "Only jobs created at or before this time."),
                            ParameterSpec("backend", .string, secret: .forbidden, description: "Only jobs on this backend (e.g. ibm_fez)."),
                            ParameterSpec("program", .string, secret: .forbidden, description: "Only jobs of this program (sampler, estimator…)."),
                            ParameterSpec("session", .string, secret: .forbidden, description: "Only jobs of this session id."),
                            ParameterSpec("tags", .list, secret: .forbidden, description: "Only jobs carrying all these tags."),
                         ], supportsVerify: true).declaring(Self.outputs)
    }

    static let outputs = [
        OutputSpec("cancelled", "int", "Jobs this attempt cancelled."),
        OutputSpec("job_ids", "list", "Their ids (plan: the ids that would be cancelled)."),
        OutputSpec("already_finished", "list", "Jobs that finished before their cancel arrived."),
        OutputSpec("matched", "int", "Queued or running jobs that matched the filter."),
        OutputSpec("first_created", "string", "Creation time of the earliest matching job (UTC; empty when none)."),
        OutputSpec("last_created", "string", "Creation time of the latest matching job."),
        OutputSpec("count", "int", "Matching jobs (the exposure count)."),
        OutputSpec("estimated_qpu_seconds", "int", "Sum of the jobs' cost, IBM's estimated running time in seconds (-1 when a job reports none)."),
        OutputSpec("estimated_cost", "string", "Always \"not reported: …\": IBM reports time, not a price."),
        OutputSpec("verified", "bool", "verify: no matching job is left queued or running."),
    ]

    func client() throws(ActionError) -> IBMClient {
        IBMClient(transport: transport, tokens: tokens, configuration: try IBMConfiguration(settings: settings))
    }

    /// Every pending job matching `filter`, oldest page first as IBM pages them.
    func pending(_ filter: IBMQuantumJobFilter, client: IBMClient, call: ActionCall) async throws(ActionError) -> [IBMQuantumJob] {
        var jobs: [IBMQuantumJob] = []
        var seen = Set<String>()
        for _ in 0..<Self.maxPages {
            let r = try await client.quantum(call, "GET", "/v1/jobs", query: filter.query(offset: jobs.count, limit: Self.pageSize))
            guard r.status == 200 else { throw r.ibmError("IBM Quantum did not list jobs") }
            let page = (r.json["jobs"]?.arrayValue ?? []).compactMap(IBMQuantumJob.init(json:)).filter { $0.isPending }
            let fresh = page.filter { seen.insert($0.id).inserted }
            jobs += fresh
            let total = r.json["count"]?.intValue ?? 0
            if fresh.isEmpty || page.count < Self.pageSize || jobs.count >= total { return jobs }
        }
        throw ActionError(message: "IBM Quantum listed more than \(Self.maxPages * Self.pageSize) pending jobs; narrow the filter", retryable: false)
    }

    /// Read-only: resolves the credential and lists what apply would cancel.
    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let filter = try IBMQuantumJobFilter(call)
        let client = try client()
        let jobs = try await pending(filter, client: client, call: call)
        return ActionResult(outputs: Self.exposure(jobs).merging(["matched": .int(jobs.count), "job_ids": .array(jobs.map { .string($0.id) })]) { $1 },
                            summary: jobs.isEmpty ? "no queued or running IBM Quantum jobs match (\(filter.display))"
                                                  : "would cancel \(jobs.count) IBM Quantum job(s) \(filter.display): \(Self.list(jobs.map(\.id)))")
    }

    /// Lists, then cancels each pending match; 409 and 404 answers count as already done.
    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let filter = try IBMQuantumJobFilter(call)
        let client = try client()
        let jobs = try await pending(filter, client: client, call: call)
        var cancelled: [String] = []
        var finished: [String] = []
        for job in jobs {
            let r = try await client.quantum(call, "POST", "/v1/jobs/\(ProviderEndpoint.segment(job.id))/cancel")
            switch r.status {
            case 200...299:
                cancelled.append(job.id)
                call.log("cancelled IBM Quantum job \(job.id) (\(job.status) on \(job.backend ?? "?"))")
            case 404, 409:
                finished.append(job.id)
                call.log("IBM Quantum job \(job.id) was no longer cancellable: \(IBMErrorDetail.describe(r))")
            default:
                throw r.ibmError("IBM Quantum refused to cancel job \(job.id) (cancelled so far: \(cancelled.isEmpty ? "none" : Self.list(cancelled)))")
            }
        }
        let summary = jobs.isEmpty ? "no queued or running IBM Quantum jobs matched (\(filter.display))"
                                   : "cancelled \(cancelled.count) IBM Quantum job(s)\(cancelled.isEmpty ? "" : ": \(Self.list(cancelled))")"
                                     + (finished.isEmpty ? "" : "; \(finished.count) had already finished")
        let outputs: [String: Value] = ["cancelled": .int(cancelled.count), "job_ids": .array(cancelled.map { .string($0) }),
                                        "already_finished": .array(finished.map { .string($0) }), "matched": .int(jobs.count)]
        return ActionResult(outputs: Self.exposure(jobs).merging(outputs) { $1 },
                            summary: summary)
    }

    /// Lists again and expects no pending match.
    public func verify(_ call: ActionCall) async throws -> ActionResult {
        let filter = try IBMQuantumJobFilter(call)
        let left = try await pending(filter, client: client(), call: call)
        guard left.isEmpty else {
            throw ActionError(message: "\(left.count) matching IBM Quantum job(s) are still queued or running: \(Self.list(left.map(\.id)))", retryable: true)
        }
        return ActionResult(outputs: ["verified": true, "residual_validity": .string(Self.residualValidity)],
                            summary: "no matching IBM Quantum job is queued or running")
    }

    /// The cost exposure of the jobs found pending: `first_created`, `last_created`, `count`,
    /// `estimated_qpu_seconds` (the sum of the jobs' `cost`, IBM's estimate of running time in
    /// seconds; -1 when a job does not report one) and `estimated_cost` (IBM reports no price).
    static func exposure(_ jobs: [IBMQuantumJob]) -> [String: Value] {
        var out = ExposureWindow(created: jobs.compactMap(\.created)).outputs
        out["count"] = .int(jobs.count)
        let costs = jobs.compactMap(\.cost)
        out["estimated_qpu_seconds"] = .int(costs.count == jobs.count ? costs.reduce(0, +) : -1)
        out["estimated_cost"] = .string(ExposureWindow.notReported("IBM Quantum", reports: "estimated running time in seconds"))
        return out
    }

    static let residualValidity = "Cancelling stops queued and running jobs but not new submissions: whoever holds the credential "
        + "can submit jobs until its API key is disabled or deleted and its IAM access tokens expire (at most 60 minutes). "
        + "QPU time already used stays consumed."

    static func list(_ ids: [String]) -> String {
        ids.count <= 10 ? ids.joined(separator: ", ") : ids.prefix(10).joined(separator: ", ") + " and \(ids.count - 10) more"
    }
}
