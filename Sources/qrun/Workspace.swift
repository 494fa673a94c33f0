import Foundation
import QRunActions
import QRunPlugins
import QRunCore

/// Everything a command needs, wired once: the only place that composes the modules.
final class Workspace {
    let home: String
    let state: StateDirectory
    let redactor: Redactor
    let secrets: SecretResolver
    let registry: ActionRegistry
    let loader: RunbookLoader
    let environment: [String: String]
    let config: WorkspaceConfig
    let settings: ProviderSettings
    private var openedDatabase: QRunDatabase?

    init(_ options: GlobalOptions) throws {
        let env = ProcessInfo.processInfo.environment
        environment = env
        let cwd = FileManager.default.currentDirectoryPath
        let home = Self.absolute(options.home ?? env["QRUN_HOME"] ?? cwd, base: cwd)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError(.usage, "workspace \(home) is not a directory (set by --home or QRUN_HOME)")
        }
        self.home = home
        let stateDir = options.stateDir ?? env["QRUN_STATE_DIR"] ?? (home as NSString).appendingPathComponent("state")
        state = StateDirectory(path: Self.absolute(stateDir, base: cwd))
        let config: WorkspaceConfig
        do {
            let configPath = (home as NSString).appendingPathComponent("qrun.yaml")
            try FileTrust.checkCode(configPath, role: .config)
            config = try WorkspaceConfig.load(path: configPath)
        } catch let e as FileTrust.Refusal {
            throw CLIError(.state, "refusing the workspace config: \(e.description)")
        } catch {
            throw CLIError(.invalidInput, "workspace config is not valid:\n\(error)")
        }
        let problems = ProviderSettings.problems(in: config.providers)
        if !problems.isEmpty {
            throw CLIError(.invalidInput, "workspace config \(config.path ?? "qrun.yaml") is not valid:\n" + problems.joined(separator: "\n"))
        }
        self.config = config
        redactor = Redactor()
        // Evidence lives in the state directory unless the config says otherwise.
        var providers = config.providers
        if providers["evidence"]?["directory"] == nil {
            providers["evidence", default: [:]]["directory"] = state.evidencePath
        }
        settings = ProviderSettings(config: providers, environment: env)
        let transport = CurlTransport()
        var sources: [any SecretSource] = [EnvironmentSecretSource(environment: env), FileSecretSource(baseDirectory: home)]
        sources += BuiltinActions.secretSources(transport: transport, settings: settings, redactor: redactor, baseDirectory: home)
        secrets = SecretResolver(sources: sources, redactor: redactor)
        var registry = BuiltinActions.registry(transport: transport, settings: settings)
        // Plugins extend the registry; a plugin may not shadow a built-in action.
        let discovered = PluginHost.discover(directory: (home as NSString).appendingPathComponent("plugins"))
        var clashes: [String] = []
        for action in discovered.actions {
            if registry.descriptor(for: action.descriptor.name) != nil {
                clashes.append(action.descriptor.name)
            } else {
                registry.register(action)
            }
        }
        for refusal in discovered.refused {
            Console.err("qrun: warning: \(refusal)")
        }
        for name in clashes {
            FileHandle.standardError.write(Data("qrun: warning: plugin action \(name) has the name of a built-in action and was ignored\n".utf8))
        }
        self.registry = registry
        loader = RunbookLoader(catalog: registry)
    }

    static func absolute(_ path: String, base: String) -> String {
        let p = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return (p as NSString).standardizingPath
    }

    /// The state database, opened on first use.
    func database() throws -> QRunDatabase {
        if let db = openedDatabase { return db }
        let db = try QRunDatabase(directory: state, redactor: redactor, busyTimeout: try busyTimeout())
        openedDatabase = db
        return db
    }

    /// `QRUN_BUSY_TIMEOUT_MS`: how long to wait for another process's write lock (default 10 s).
    func busyTimeout() throws -> TimeInterval {
        guard let text = environment["QRUN_BUSY_TIMEOUT_MS"] else { return 10 }
        guard let ms = Int(text.trimmingCharacters(in: .whitespaces)), (0...3_600_000).contains(ms) else {
            throw CLIError(.usage, "QRUN_BUSY_TIMEOUT_MS must be a whole number of milliseconds from 0 to 3600000 (one hour), not '\(text.prefix(40))'")
        }
        return TimeInterval(ms) / 1000
    }

    /// The state database for reading the audit chain: a damaged file is opened read-only so that
    /// `audit verify` and `audit export` show whatever survives.
    func auditDatabase() throws -> QRunDatabase {
        do {
            return try database()
        } catch let e as StoreError where e.code == .corrupt {
            Console.err("qrun: warning: \(e.message)\nqrun: reading what survives, read-only")
            let db = try QRunDatabase(salvaging: state, redactor: redactor)
            openedDatabase = db
            return db
        }
    }

    /// Whether a live process (other than this one) executes the run: its flock is held, or its
    /// lease names a live process (a deleted lock file does not hide the owner).
    func isRunOwned(_ runID: String) -> Bool {
        if RunLock.isHeld(directory: state, runID: runID) { return true }
        return (try? database().isOwnedElsewhere(runID: runID)) == true
    }

    /// Whether a state database exists yet (read-only commands avoid creating one).
    var hasDatabase: Bool { FileManager.default.fileExists(atPath: state.databasePath) }

    var runbooksDirectory: String { (home as NSString).appendingPathComponent("runbooks") }

    /// The path of runbook NAME, or NAME itself when it is a path.
    func runbookPath(_ name: String) throws -> String {
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.contains("/") {
            return Self.absolute(name, base: FileManager.default.currentDirectoryPath)
        }
        let path = (runbooksDirectory as NSString).appendingPathComponent("\(name).yaml")
        guard FileManager.default.fileExists(atPath: path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: runbooksDirectory))?
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []
            let hint = Suggest.closest(to: name, in: known).map { "; did you mean '\($0)'?" }
                ?? (known.isEmpty ? "" : "; available: \(known.joined(separator: ", "))")
            throw CLIError(.usage, "no runbook '\(name)' in \(runbooksDirectory)\(hint)")
        }
        return path
    }

    /// Loads and validates runbook NAME, and checks it against any pinned text of the same version.
    func loadRunbook(_ name: String) throws -> Runbook {
        let runbook = try loader.load(path: try runbookPath(name))
        if hasDatabase, let pinned = try database().pinnedSHA(name: runbook.name, version: runbook.version),
           pinned != runbook.source.sha256 {
            throw CLIError(.invalidInput, "\(runbook.source.path):1:1: error: runbook '\(runbook.name)' version \(runbook.version) has already been run with different text; bump `version:` to \(runbook.version + 1) after any change")
        }
        return runbook
    }

    /// The pinned runbook of a run (what resume, report and show use).
    func pinnedRunbook(for run: RunRecord) throws -> Runbook {
        guard let pinned = try database().pinnedSource(name: run.runbook, version: run.runbookVersion) else {
            throw CLIError(.state, "run \(run.id) names runbook \(run.runbook) v\(run.runbookVersion), whose pinned text is missing from the state database")
        }
        do {
            return try loader.load(text: pinned.text, path: pinned.path)
        } catch {
            throw CLIError(.state, "the pinned text of \(run.runbook) v\(run.runbookVersion) no longer validates with this qrun (\(error)); use the qrun version that started run \(run.id)")
        }
    }

    /// Who is acting, for the audit log.
    var actor: String {
        let user = environment["QRUN_ACTOR"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "uid:\(getuid())"
        return "cli:\(user)"
    }

    func executor(observer: RunObserver, returnWhenWaiting: Bool, parallel: Int?) throws -> RunExecutor {
        var config = ExecutorConfiguration()
        config.actor = actor
        config.returnWhenWaiting = returnWhenWaiting
        config.environment = environment
        config.secretReferences = settings.secretReferences
        if let p = parallel ?? self.config.maxParallel { config.defaultParallel = p }
        return RunExecutor(database: try database(), stateDirectory: state, registry: registry, secrets: secrets,
                           redactor: redactor, configuration: config, observer: observer)
    }
}
