import Foundation
import Hummingbird
import QRunCore
import QRunRuntime

/// `GET /v1/runs`, `GET /v1/runs/{id}` and `POST /v1/runs/{id}/approvals`: the same JSON as
/// `qrun runs list/show --json`, and decisions recorded under the authenticated principal.
struct RunAPI: Sendable {
    let database: QRunDatabase
    let pinned: @Sendable (RunRecord) throws -> Runbook
    let dispatcher: RunDispatcher
    let store: StoreWorker

    func list(query: Parameters) async -> Response {
        var limit = 20
        if let l = query.get("limit") {
            guard let n = Int(l), (1...100_000).contains(n) else { return ServerRoutes.json(400, ["error": "limit must be from 1 to 100000"]) }
            limit = n
        }
        var status: RunStatus?
        if let s = query.get("status") {
            guard let st = RunStatus(rawValue: s) else {
                return ServerRoutes.json(400, ["error": .string("status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")])
            }
            status = st
        }
        do {
            let runs = try database.runs(limit: limit, status: status)
            return ServerRoutes.json(200, ["runs": .array(runs.map(RunSummary.listEntry))])
        } catch {
            return ServerRoutes.json(503, ["error": .string("\(error)")])
        }
    }

    func show(runID: String) async -> Response {
        do {
            guard let run = try database.run(runID) else { return ServerRoutes.json(404, ["error": .string("no run with id \(runID.prefix(64))")]) }
            return ServerRoutes.json(200, try RunSummary.detail(run: run, database: database))
        } catch {
            return ServerRoutes.json(503, ["error": .string("\(error)")])
        }
    }

    func decide(runID: String, principal: String, body: [UInt8]) async -> Response {
        let fields: [String: Value]
        do throws(AlertPayload.Invalid) {
            guard case .object(let o) = try AlertPayload.parseJSON(body) else { throw AlertPayload.Invalid("the body is a JSON object with step, decision and comment") }
            fields = o
        } catch {
            return ServerRoutes.json(400, ["error": .string(error.message)])
        }
        let unknown = fields.keys.filter { !["step", "decision", "comment"].contains($0) }.sorted()
        guard unknown.isEmpty else { return ServerRoutes.json(400, ["error": .string("unknown field \(unknown.map { "'\($0.prefix(64))'" }.joined(separator: ", ")); the body takes step, decision and comment")]) }
        guard let step = fields["step"]?.stringValue, !step.isEmpty, step.utf8.count <= 128 else {
            return ServerRoutes.json(400, ["error": "missing field step (the approval step's id)"])
        }
        guard let decision = fields["decision"]?.stringValue, decision == "approve" || decision == "reject" else {
            return ServerRoutes.json(400, ["error": "decision must be approve or reject"])
        }
        var comment: String?
        if let c = fields["comment"], c != .null {
            guard let s = c.stringValue, s.utf8.count <= 4096 else { return ServerRoutes.json(400, ["error": "comment must be a string of at most 4096 bytes"]) }
            comment = s
        }
        let database = self.database
        let pinned = self.pinned
        let note = comment
        do {
            let tally = try await store.run { () throws -> (approvals: Int, needed: Int, decided: Bool) in
                guard let run = try database.run(runID) else { throw StoreError(.notFound, "no run with id \(runID.prefix(64))") }
                let spec = try pinned(run).allSteps.first { $0.id == step }
                return try database.recordApproval(runID: runID, stepID: step, approved: decision == "approve", actor: "api:\(principal)",
                                                   comment: note, timeout: spec?.timeout,
                                                   policy: spec.map(ApprovalPolicy.init(step:)) ?? ApprovalPolicy())
            }
            if tally.decided { dispatcher.signal(runID: runID) }
            return ServerRoutes.json(200, ["run_id": .string(runID), "step": .string(step), "principal": .string(principal),
                                           "decision": .string(decision == "approve" ? "approved" : "rejected"), "decided": .bool(tally.decided),
                                           "approvals": .int(tally.approvals), "needed": .int(tally.needed)])
        } catch let e as StoreError {
            let status: Int
            switch e.code {
            case .notFound: status = 404
            case .forbidden: status = 403
            case .conflict, .invalidState: status = 409
            default: status = 503
            }
            return ServerRoutes.json(status, ["error": .string(e.message)])
        } catch {
            return ServerRoutes.json(409, ["error": .string("\(error)")])
        }
    }
}
