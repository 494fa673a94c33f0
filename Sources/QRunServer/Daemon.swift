import Foundation
import Hummingbird
import Logging
import NIOCore
import QRunCore
import QRunRuntime
import ServiceLifecycle
import Synchronization

/// `qrun serve`: the alert intake, the API, the metrics and the run dispatcher under one
/// ServiceLifecycle group. SIGTERM or SIGINT stop the intake first, then the dispatcher drains.
public enum Daemon {
    /// What `qrun serve --check` reports: every problem that would stop or weaken the daemon.
    public static func check(workspace: Workspace, options: ServeOptions) async -> (problems: [String], notes: [String]) {
        var problems: [String] = []
        var notes: [String] = []
        let env = workspace.environment
        if options.host != "127.0.0.1" && options.host != "::1" && options.host != "localhost" {
            notes.append("listening on \(options.host): /metrics and /healthz answer without authentication on that address")
        }
        do {
            _ = try workspace.database()
        } catch {
            problems.append("state: \(error)")
        }
        do {
            let c = try await ServeCredentials.load(environment: env, config: workspace.config.serve, resolver: workspace.secrets, redactor: workspace.redactor)
            if c.alertToken == nil { notes.append("QRUN_ALERT_TOKEN is not set: POST /v1/alerts/alertmanager refuses every request") }
            if c.alertHMACKey == nil { notes.append("QRUN_ALERT_HMAC_KEY is not set: POST /v1/alerts refuses every request") }
            if c.principals.isEmpty { notes.append("no API principal (QRUN_API_TOKEN or serve.principals): /v1/runs refuses every request") }
            else { notes.append("API principals: \(c.principals.keys.sorted().joined(separator: ", "))") }
        } catch {
            problems.append("\(error)")
        }
        let catalog = RunbookCatalog(directory: workspace.runbooksDirectory, loader: workspace.loader)
        let all = catalog.all()
        for p in all.problems { problems.append("runbook \(p)") }
        let alerting = all.runbooks.filter { r in r.triggers.contains { if case .alert = $0.kind { return true } else { return false } } }
        notes.append("runbooks: \(all.runbooks.count), with alert triggers: \(alerting.map(\.name).joined(separator: ", "))")
        return (problems, notes)
    }

    /// Runs the daemon until SIGTERM or SIGINT.
    public static func run(workspace: Workspace, options: ServeOptions) async throws {
        let redactor = workspace.redactor
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, redactor: redactor) }
        let logger = Logger(label: "qrun.serve")
        let metrics = ServerMetrics()
        metrics.bootstrap()
        let database = try workspace.database()
        let credentials = try await ServeCredentials.load(environment: workspace.environment, config: workspace.config.serve,
                                                          resolver: workspace.secrets, redactor: redactor)
        let observer = DaemonObserver(metrics: metrics, logger: logger)
        let executor = try workspace.executor(observer: observer, returnWhenWaiting: false, parallel: nil, watched: true)
        let loader = workspace.loader
        let pinned: @Sendable (RunRecord) throws -> Runbook = { run in
            try Workspace.pinnedRunbook(for: run, database: database, loader: loader)
        }
        let dispatcher = RunDispatcher(database: database, executor: executor, pinned: pinned, redactor: redactor, state: workspace.state,
                                       options: options, metrics: metrics, logger: logger)
        let store = StoreWorker()
        let catalog = RunbookCatalog(directory: workspace.runbooksDirectory, loader: loader)
        let intake = AlertIntake(database: database, catalog: catalog, router: AlertRouter(starter: try workspace.starter()),
                                 dispatcher: dispatcher, store: store, metrics: metrics, logger: logger)
        let ready = Atomic<Bool>(false)
        let routes = ServerRoutes(intake: intake, api: RunAPI(database: database, pinned: pinned, dispatcher: dispatcher, store: store),
                                  credentials: credentials, metrics: metrics, ready: { ready.load(ordering: .acquiring) })
        let app = Application(
            router: routes.build(),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                ready.store(true, ordering: .releasing)
                logger.notice("qrun serve is listening", metadata: [
                    "qrun.listen": .string(channel.localAddress.map { "\($0)" } ?? "?"),
                    "qrun.alert_token": .string(credentials.alertToken == nil ? "unset" : "set"),
                    "qrun.alert_hmac": .string(credentials.alertHMACKey == nil ? "unset" : "set"),
                    "qrun.principals": .stringConvertible(credentials.principals.count),
                ])
            },
            logger: logger
        )
        // Shut down in reverse order: the intake stops first, then the dispatcher drains.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: dispatcher), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.notice("qrun serve stopped")
    }
}

/// Progress of the runs the daemon executes: into the metrics and the JSON log.
struct DaemonObserver: RunObserver {
    let metrics: ServerMetrics
    let logger: Logger

    func observe(_ event: ProgressEvent) {
        metrics.observe(event)
        guard event.kind != .stepLog else { return }
        var metadata: Logger.Metadata = ["qrun.run.id": .string(event.runID), "qrun.event": .string(event.kind.rawValue)]
        if let s = event.stepID { metadata["qrun.step.id"] = .string(s) }
        if let a = event.attempt { metadata["qrun.step.attempt"] = .stringConvertible(a) }
        if let s = event.status { metadata["qrun.status"] = .string(s) }
        if let m = event.message { metadata["qrun.message"] = .string(m) }
        logger.info("\(event.kind.rawValue)", metadata: metadata)
    }
}
