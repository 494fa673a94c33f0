import Foundation
import Logging
import QRunCore
import QRunRuntime
import ServiceLifecycle
import Synchronization

/// Executes runs in the daemon: the runs its triggers create, the interrupted ones it finds at
/// start, and open runs that no live process executes (created by `qrun event`, or left by a
/// process that died). One watcher looks at the store for all runs and tells each run when
/// another process changed something (an approval, a cancel request).
///
/// On graceful shutdown it starts nothing new, lets the steps in flight finish for the grace
/// period, then stops the rest where they are: every run stays resumable.
final class RunDispatcher: Service, Sendable {
    enum Job: Sendable {
        case run(String)
        case scan
    }

    let database: QRunDatabase
    let executor: RunExecutor
    let pinned: @Sendable (RunRecord) throws -> Runbook
    let redactor: Redactor
    let state: StateDirectory
    let options: ServeOptions
    let metrics: ServerMetrics
    let logger: Logger
    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let active = Mutex<[String: RunControl]>([:])
    /// Runbooks the intake already loaded for the runs it created, so execution does not parse
    /// the same text again (used only when the run's pinned SHA-256 is this text's).
    private let loaded = Mutex<[String: Runbook]>([:])
    private let stopping = Mutex(false)

    init(database: QRunDatabase, executor: RunExecutor, pinned: @escaping @Sendable (RunRecord) throws -> Runbook, redactor: Redactor,
         state: StateDirectory, options: ServeOptions, metrics: ServerMetrics, logger: Logger) {
        self.database = database
        self.executor = executor
        self.pinned = pinned
        self.redactor = redactor
        self.state = state
        self.options = options
        self.metrics = metrics
        self.logger = logger
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Executes `runID`, which this process already owns (created by a trigger here).
    func submit(runID: String, runbook: Runbook? = nil, alertArrived: ContinuousClock.Instant?) {
        if let alertArrived { metrics.noteAlertArrival(runID: runID, at: alertArrived) }
        if let runbook { loaded.withLock { $0[runID] = runbook } }
        continuation.yield(.run(runID))
    }

    /// Looks for open runs nobody executes.
    func wake() { continuation.yield(.scan) }

    /// Tells the run executed here that its approvals or cancel request changed.
    func signal(runID: String) {
        active.withLock { $0[runID] }?.send(.storeChanged)
    }

    var activeCount: Int { active.withLock { $0.count } }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.watch() }
            continuation.yield(.scan)
            await withGracefulShutdownHandler {
                for await job in jobs {
                    switch job {
                    case .run(let id): launch(id, in: &group)
                    case .scan: for id in orphans() { launch(id, in: &group) }
                    }
                }
            } onGracefulShutdown: {
                self.beginShutdown()
            }
            await drain()
        }
    }

    private func launch(_ runID: String, in group: inout DiscardingTaskGroup) {
        let control = RunControl()
        let added = stopping.withLock { stop -> Bool in
            guard !stop else { return false }
            return active.withLock { a in
                guard a[runID] == nil else { return false }
                a[runID] = control
                return true
            }
        }
        guard added else { return }
        group.addTask { await self.execute(runID, control: control) }
    }

    private func execute(_ runID: String, control: RunControl) async {
        defer {
            active.withLock { $0[runID] = nil }
            redactor.endScope(runID)
            metrics.forgetRun(runID)
        }
        var log = logger
        log[metadataKey: "qrun.run.id"] = .string(runID)
        do {
            let preloaded = loaded.withLock { $0.removeValue(forKey: runID) }
            guard let run = try database.run(runID), !run.status.isTerminal else { return }
            let runbook = try preloaded.flatMap { $0.source.sha256 == run.runbookSHA256 ? $0 : nil } ?? pinned(run)
            log.info("executing run", metadata: ["qrun.runbook": .string(run.runbook), "qrun.run.status": .string(run.status.rawValue)])
            let outcome = try await Redactor.$scope.withValue(runID) {
                try await executor.execute(runID: runID, runbook: runbook, control: control)
            }
            if outcome.status.isTerminal {
                metrics.runEnded(runbook: run.runbook, status: outcome.status.rawValue)
                log.info("run ended", metadata: ["qrun.run.status": .string(outcome.status.rawValue)])
            } else {
                log.notice("run left open for the next start", metadata: ["qrun.run.status": .string(outcome.status.rawValue)])
            }
        } catch let e as StoreError where e.code == .locked {
            log.debug("run is executed by another process", metadata: ["qrun.reason": .string(e.message)])
        } catch {
            log.error("run stopped on an error; it stays open and resumable", metadata: ["qrun.error": .string(redactor.redact("\(error)"))])
        }
    }

    /// Open runs that no live process executes and that are not executed here.
    private func orphans() -> [String] {
        guard !stopping.withLock({ $0 }), let open = try? database.openRuns() else { return [] }
        let here = active.withLock { Set($0.keys) }
        // A simulated drill is continued only by `qrun resume`, with simulated actions; the
        // daemon's executor would refuse it on every scan.
        return open.filter { !$0.isSimulation }.map(\.id).filter { id in
            !here.contains(id) && !RunLock.isHeld(directory: state, runID: id) && (try? database.isOwnedElsewhere(runID: id)) != true
        }
    }

    /// One look at the store for all runs: when another process committed, every run here checks
    /// its approvals and cancel requests, and open runs nobody executes are picked up. Every few
    /// seconds it also looks for runs whose owner died without committing anything.
    private func watch() async {
        var last = (try? database.dataVersion()) ?? 0
        var sinceScan: Duration = .zero
        while !stopping.withLock({ $0 }) {
            try? await Task.sleep(for: options.watchInterval)
            sinceScan += options.watchInterval
            guard let now = try? database.dataVersion() else { continue }
            if now != last {
                last = now
                for control in active.withLock({ Array($0.values) }) { control.send(.storeChanged) }
            } else if sinceScan < .seconds(5) {
                continue
            }
            continuation.yield(.scan)
            sinceScan = .zero
            if let waiting = try? database.countRuns(status: .waiting) { metrics.setWaiting(waiting) }
        }
    }

    private func beginShutdown() {
        stopping.withLock { $0 = true }
        let controls = active.withLock { Array($0.values) }
        logger.notice("shutting down: no new run or step starts; steps in flight may finish", metadata: [
            "qrun.runs.active": .stringConvertible(controls.count), "qrun.grace": .string(DurationParser.format(options.grace)),
        ])
        for c in controls { c.send(.drain) }
        continuation.finish()
    }

    /// After shutdown began: wait for the runs to reach a resting point, at most the grace
    /// period, then stop the rest at once (their in-flight attempts run again on the next start).
    private func drain() async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: options.grace)
        while activeCount > 0 && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = active.withLock { Array($0.values) }
        if !left.isEmpty {
            logger.warning("grace period over; stopping the steps still in flight (they run again on the next start)",
                           metadata: ["qrun.runs.active": .stringConvertible(left.count)])
            for c in left { c.send(.abandon) }
        }
    }
}
