import Crypto
import Foundation
import Logging
import QRunCore
import QRunRuntime

/// Records alert posts and starts (or attaches) their runs: everything a post brings is committed,
/// with its audit events, before it is answered; the runs it creates are owned by this process
/// from that same transaction and handed to the dispatcher.
final class AlertIntake: Sendable {
    let database: QRunDatabase
    let catalog: RunbookCatalog
    let router: AlertRouter
    let dispatcher: RunDispatcher
    let store: StoreWorker
    let metrics: ServerMetrics
    let logger: Logger

    init(database: QRunDatabase, catalog: RunbookCatalog, router: AlertRouter, dispatcher: RunDispatcher, store: StoreWorker,
         metrics: ServerMetrics, logger: Logger) {
        self.database = database
        self.catalog = catalog
        self.router = router
        self.dispatcher = dispatcher
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// What the sender is told.
    struct Answer: Sendable {
        var status: Int
        var body: Value
    }

    func receive(alerts: [IncomingAlert], endpoint: String, principal: String, replayKey: String?, body: [UInt8],
                 arrived: ContinuousClock.Instant) async -> Answer {
        let runbooks = catalog.alertRunbooks()
        let plan = router.plan(alerts: alerts, runbooks: runbooks, principal: principal, endpoint: endpoint)
        var summaries: [Value] = alerts.map { a in
            .object(["status": .string(a.status), "labels": .object(a.labels.mapValues(Value.string)),
                     "fingerprint": a.fingerprint.map(Value.string) ?? .null, "starts_at": a.startsAt.map(Value.string) ?? .null,
                     "runs": .array([])])
        }
        // The receipt's summary says, per alert, which runbooks it concerned; run ids are added
        // after the commit for the answer (the audit events carry them).
        for d in plan.decisions {
            guard case .object(var o) = summaries[d.alertIndex], case .array(var runs)? = o["runs"] else { continue }
            var entry: [String: Value] = ["outcome": .string(d.kind.rawValue)]
            entry["runbook"] = d.runbook.map(Value.string) ?? .null
            if let r = d.reason { entry["reason"] = .string(r) }
            runs.append(.object(entry))
            o["runs"] = .array(runs)
            summaries[d.alertIndex] = .object(o)
        }
        let receipt = AlertReceiptDraft(endpoint: endpoint, principal: principal, replayKey: replayKey,
                                        bodySHA256: SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined(), alerts: summaries)
        let database = self.database
        let record: QRunDatabase.TriggerRecord
        do {
            record = try await store.run {
                try database.recordTrigger(receipt: receipt, runs: plan.requests, resolved: plan.resolved, claim: true)
            }
        } catch let e as StoreError where e.code == .replay {
            metrics.alertRefused(endpoint: endpoint, reason: "replay")
            return Answer(status: 409, body: ["error": .string(e.message)])
        } catch {
            metrics.alertRefused(endpoint: endpoint, reason: "store")
            logger.error("an alert post could not be recorded", metadata: ["qrun.error": "\(error)"])
            // 503: the sender retries; nothing was recorded, so a retry cannot double anything.
            return Answer(status: 503, body: ["error": .string("the alert could not be recorded (\(error)); nothing was started, retry")])
        }
        var answers: [Value] = []
        var created = 0, attached = 0, refused = 0
        for d in plan.decisions {
            var o: [String: Value] = ["alert": .int(d.alertIndex), "outcome": .string(d.kind.rawValue)]
            o["runbook"] = d.runbook.map(Value.string) ?? .null
            if let r = d.reason { o["reason"] = .string(r); refused += 1 }
            if d.kind == .requested, let i = d.index {
                switch record.outcomes[i] {
                case .created(let run):
                    o["outcome"] = "created"
                    o["run_id"] = .string(run.id)
                    created += 1
                    dispatcher.submit(runID: run.id, runbook: plan.requests[i].runbook, alertArrived: arrived)
                case .attached(let run):
                    o["outcome"] = "attached"
                    o["run_id"] = .string(run.id)
                    attached += 1
                    if !run.status.isTerminal { dispatcher.wake() }
                }
            }
            if d.kind == .resolved, let i = d.index { o["run_id"] = record.resolvedRuns[i].map(Value.string) ?? .null }
            answers.append(.object(o))
        }
        metrics.alertsReceived(endpoint: endpoint, count: alerts.count, deduplicated: attached)
        if refused > 0 { metrics.alertRefused(endpoint: endpoint, reason: "input", count: refused) }
        logger.info("alert post recorded", metadata: [
            "qrun.alert.endpoint": .string(endpoint), "qrun.alert.receipt": .stringConvertible(record.receipt ?? 0),
            "qrun.alert.count": .stringConvertible(alerts.count), "qrun.runs.created": .stringConvertible(created),
            "qrun.runs.attached": .stringConvertible(attached),
        ])
        var body: [String: Value] = ["receipt": record.receipt.map { .int(Int($0)) } ?? .null, "alerts": .int(alerts.count), "decisions": .array(answers)]
        body["status"] = "recorded"
        // The generic endpoint carries one alert: when its only matching runbook refused its
        // inputs, say so with 422 (it is recorded all the same).
        if endpoint == "generic", refused > 0, created + attached == 0 {
            return Answer(status: 422, body: .object(body))
        }
        return Answer(status: 200, body: .object(body))
    }
}
