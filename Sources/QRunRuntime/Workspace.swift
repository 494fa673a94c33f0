import Foundation
import QRunActions
import QRunPlugins
import QRunCore

/// Where a workspace is and what the process sees: the CLI's `--home`/`--state-dir`, or the
/// daemon's.
public struct WorkspaceOptions: Sendable {
    public var home: String?
    public var stateDir: String?
    public var environment: [String: String]
    /// Where a warning for a person goes (a refused plugin, a shadowing plugin action).
    public var warn: @Sendable (String) -> Void

    public init(home: String? = nil, stateDir: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                warn: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data("qrun: warning: \($0)\n".utf8)) }) {
        self.home = home
        self.stateDir = stateDir
        self.environment = environment
        self.warn = warn
    }
}

/// Everything a command or a trigger needs, wired once: the one place that composes the modules
/// (config, registry, plugins, secrets, redaction, the store).
///
/// Not shared across tasks: a long-lived process (`qrun serve`) opens its database once and
/// hands the parts, which are all `Sendable`, to the services that need them.
public final class Workspace {
    public let home: String
    public let state: StateDirectory
    public let redactor: Redactor
    public let secrets: SecretResolver
    public let registry: ActionRegistry
    public let loader: RunbookLoader
    public let environment: [String: String]
    public let config: WorkspaceConfig
    public let settings: ProviderSettings
    private var openedDatabase: QRunDatabase?
    private let warn: @Sendable (String) -> Void

    public init(_ options: WorkspaceOptions) throws {
        let env = options.environment
        environment = env
        warn = options.warn
        let cwd = FileManager.default.currentDirectoryPath
        let home = Self.absolute(options.home ?? env["QRUN_HOME"] ?? cwd, base: cwd)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: home, isDirectory: &isDir), isDir.boolValue else {
            throw RuntimeError(.usage, "workspace \(home) is not a directory (set by --home or QRUN_HOME)")
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
            throw RuntimeError(.state, "refusing the workspace config: \(e.description)")
        } catch {
            throw RuntimeError(.invalidInput, "workspace config is not valid:\n\(error)")
        }
        let problems = ProviderSettings.problems(in: config.providers)
        if !problems.isEmpty {
            throw RuntimeError(.invalidInput, "workspace config \(config.path ?? "qrun.yaml") is not valid:\n" + problems.joined(separator: "\n"))
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
            options.warn("\(refusal)")
        }
        for name in clashes {
            options.warn("plugin action \(name) has the name of a built-in action and was ignored")
        }
        self.registry = registry
        loader = RunbookLoader(catalog: registry)
    }

    public static func absolute(_ path: String, base: String) -> String {
        let p = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
        return (p as NSString).standardizingPath
    }

    /// The state database, opened on first use.
    public func database() throws -> QRunDatabase {
        if let db = openedDatabase { return db }
        let db = try QRunDatabase(directory: state, redactor: redactor, busyTimeout: try busyTimeout())
        openedDatabase = db
        return db
    }

    /// `QRUN_BUSY_TIMEOUT_MS`: how long to wait for another process's write lock (default 10 s).
    public func busyTimeout() throws -> TimeInterval {
        guard let text = environment["QRUN_BUSY_TIMEOUT_MS"] else { return 10 }
        guard let ms = Int(text.trimmingCharacters(in: .whitespaces)), (0...3_600_000).contains(ms) else {
            throw RuntimeError(.usage, "QRUN_BUSY_TIMEOUT_MS must be a whole number of milliseconds from 0 to 3600000 (one hour), not '\(text.prefix(40))'")
        }
        return TimeInterval(ms) / 1000
    }

    /// The state database for reading the audit chain: a damaged file is opened read-only so that
    /// `audit verify` and `audit export` show whatever survives.
    public func auditDatabase() throws -> QRunDatabase {
        do {
            return try database()
        } catch let e as StoreError where e.code == .corrupt {
            warn("\(e.message)\nqrun: reading what survives, read-only")
            let db = try QRunDatabase(salvaging: state, redactor: redactor)
            openedDatabase = db
            return db
        }
    }

    /// Whether a live process (other than this one) executes the run: its flock is held, or its
    /// lease names a live process (a deleted lock file does not hide the owner).
    public func isRunOwned(_ runID: String) -> Bool {
        if RunLock.isHeld(directory: state, runID: runID) { return true }
        return (try? database().isOwnedElsewhere(runID: runID)) == true
    }

    /// Whether a state database exists yet (read-only commands avoid creating one).
    public var hasDatabase: Bool { FileManager.default.fileExists(atPath: state.databasePath) }

    public var runbooksDirectory: String { (home as NSString).appendingPathComponent("runbooks") }

    /// The path of runbook NAME, or NAME itself when it is a path.
    public func runbookPath(_ name: String) throws -> String {
        if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.contains("/") {
            return Self.absolute(name, base: FileManager.default.currentDirectoryPath)
        }
        let path = (runbooksDirectory as NSString).appendingPathComponent("\(name).yaml")
        guard FileManager.default.fileExists(atPath: path) else {
            let known = (try? FileManager.default.contentsOfDirectory(atPath: runbooksDirectory))?
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted() ?? []
            let hint = Suggest.closest(to: name, in: known).map { "; did you mean '\($0)'?" }
                ?? (known.isEmpty ? "" : "; available: \(known.joined(separator: ", "))")
            throw RuntimeError(.usage, "no runbook '\(name)' in \(runbooksDirectory)\(hint)")
        }
        return path
    }

    /// Loads and validates runbook NAME, and checks it against any pinned text of the same version.
    public func loadRunbook(_ name: String) throws -> Runbook {
        let runbook = try loader.load(path: try runbookPath(name))
        if hasDatabase, let pinned = try database().pinnedSHA(name: runbook.name, version: runbook.version),
           pinned != runbook.source.sha256 {
            throw RuntimeError(.invalidInput, "\(runbook.source.path):1:1: error: runbook '\(runbook.name)' version \(runbook.version) has already been run with different text; bump `version:` to \(runbook.version + 1) after any change")
        }
        return runbook
    }

    /// The pinned runbook of a run (what resume, report and show use).
    public func pinnedRunbook(for run: RunRecord) throws -> Runbook {
        try Self.pinnedRunbook(for: run, database: database(), loader: loader)
    }

    /// The pinned runbook of a run, for a process that shares the database and loader across tasks.
    public static func pinnedRunbook(for run: RunRecord, database: QRunDatabase, loader: RunbookLoader) throws -> Runbook {
        guard let pinned = try database.pinnedSource(name: run.runbook, version: run.runbookVersion) else {
            throw RuntimeError(.state, "run \(run.id) names runbook \(run.runbook) v\(run.runbookVersion), whose pinned text is missing from the state database")
        }
        do {
            return try loader.load(text: pinned.text, path: pinned.path)
        } catch {
            throw RuntimeError(.state, "the pinned text of \(run.runbook) v\(run.runbookVersion) no longer validates with this qrun (\(error)); use the qrun version that started run \(run.id)")
        }
    }

    /// Who is acting at the terminal, for the audit log and approvals: the Unix user this process
    /// runs as (`cli:alice`). It comes from the effective uid, never from the environment, which
    /// anything on the machine can set.
    public var actor: String { "cli:\(Self.unixUser)" }

    /// The effective user's name (`uid:N` when the password database does not name it).
    public static var unixUser: String {
        let uid = geteuid()
        if let pw = getpwuid(uid), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid:\(uid)"
    }

    /// The one way to start a run, on this workspace's database and registry.
    public func starter() throws -> RunStarter {
        RunStarter(database: try database(), catalog: registry)
    }

    /// An executor on this workspace. `watched`: a long-lived owner tells each run when the
    /// store changed (``RunControl``), so runs do not poll the store themselves.
    public func executor(observer: RunObserver, returnWhenWaiting: Bool, parallel: Int?, watched: Bool = false) throws -> RunExecutor {
        var config = ExecutorConfiguration()
        if watched { config.pollInterval = nil }
        config.actor = actor
        config.returnWhenWaiting = returnWhenWaiting
        config.environment = environment
        config.secretReferences = settings.secretReferences
        if let p = parallel ?? self.config.maxParallel { config.defaultParallel = p }
        return RunExecutor(database: try database(), stateDirectory: state, registry: registry, secrets: secrets,
                           redactor: redactor, configuration: config, observer: observer)
    }
}
