import Foundation

/// Finds long-lived credentials an agent could take from a workstation: the usual SDK credential
/// files under a home directory, `.env` files and well-known token shapes under project roots,
/// and credential environment variables.
///
/// The scanner only reads. It never returns, logs or stores a credential value: each finding
/// carries a fingerprint (see ``PreflightFinding``) instead.
///
/// Home credential files are read through symbolic links (the SDK would read them so). Under the
/// roots, symbolic links are never followed: a target inside the root is reached by the walk
/// itself, and a target outside it is not the root's business. The walk skips `.git`,
/// `node_modules`, `.build` and similar tool directories, stops at ``PreflightLimits``, and skips
/// binary files (a NUL byte in the first 8 KiB).
public struct PreflightScanner: Sendable {
    /// Home directory whose SDK credential paths are checked; nil skips them.
    public var home: String?
    /// Project directories (or files) walked for `.env` files and token shapes.
    public var roots: [String]
    /// Environment variables to check; nil skips them.
    public var environment: [String: String]?
    public var limits: PreflightLimits
    /// The time JWT expiry is compared with.
    public var now: Date

    public init(home: String?, roots: [String] = [], environment: [String: String]? = nil,
                limits: PreflightLimits = PreflightLimits(), now: Date = Date()) {
        self.home = home
        self.roots = roots
        self.environment = environment
        self.limits = limits
        self.now = now
    }

    /// Runs the scan; unreadable or oversized files become notes, never errors.
    public func scan() -> PreflightReport {
        let scan = PreflightScan(limits: limits, now: now)
        if let home { scan.scanHome(Self.canonical(home)) }
        for root in roots { scan.scanRoot(Self.canonical(root)) }
        if let environment { scan.scanEnvironment(environment) }
        return scan.report()
    }

    /// An absolute path with symbolic links resolved, so that the same file found from the home
    /// and from a root has the same location.
    static func canonical(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
    }
}

/// Bounds on how much a scan reads.
public struct PreflightLimits: Sendable {
    /// Directory levels below a root that are entered; deeper folders are named in a note.
    public var maxDepth: Int
    /// Larger files are skipped (and noted).
    public var maxFileBytes: Int
    /// The walk stops after this many files (and says so).
    public var maxFiles: Int

    public init(maxDepth: Int = 32, maxFileBytes: Int = 1 << 20, maxFiles: Int = 20_000) {
        self.maxDepth = maxDepth
        self.maxFileBytes = maxFileBytes
        self.maxFiles = maxFiles
    }
}
