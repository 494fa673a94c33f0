import Foundation
import QRunCore

/// `preflight.scan`: looks for long-lived credentials an agent could take (SDK credential files
/// under a home directory, `.env` files and token shapes under `paths`, and, when `env: true`,
/// qrun's own environment) and reports each with its location, severity, fix and fingerprint —
/// never the value.
///
/// It only reads, so `plan` and `apply` do the same scan and idempotency is trivial. With
/// `strict: true` it fails (not retryable: the files will not change by themselves) when a
/// finding at or above `fail_on` (default `low`, i.e. any) exists, which lets a runbook gate an
/// agent's start on a clean workstation.
///
/// `env` defaults to false: qrun's own environment legitimately holds the credentials its
/// provider actions use; the `qrun preflight` command, run in the agent's shell, checks it by default.
public struct PreflightScanAction: Action {
    let environment: @Sendable () -> [String: String]
    let now: @Sendable () -> Date

    /// `environment` is what `env: true` scans and where `$HOME` comes from (qrun's own by default).
    public init(environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.environment = environment
        self.now = now
    }

    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "preflight.scan", summary: "Finds long-lived credentials in SDK paths, .env files, token shapes and the environment.", parameters: [
            ParameterSpec("home", .string, secret: .forbidden, description: "Home directory whose SDK credential paths are checked (default $HOME)."),
            ParameterSpec("paths", .list, secret: .forbidden, description: "Project directories walked for .env files and token shapes."),
            ParameterSpec("env", .bool, secret: .forbidden, description: "Also check qrun's own environment variables (default false)."),
            ParameterSpec("fail_on", .string, secret: .forbidden, description: "Lowest severity that fails a strict scan: low, medium, high, critical (default low)."),
            ParameterSpec("strict", .bool, secret: .forbidden, description: "Fail the step when findings at or above fail_on exist (default false)."),
        ])
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult { try scan(call) }

    public func apply(_ call: ActionCall) async throws -> ActionResult { try scan(call) }

    func scan(_ call: ActionCall) throws(ActionError) -> ActionResult {
        let env = environment()
        let threshold = try Self.severity(call.string("fail_on"))
        let strict = try Self.flag(call, "strict")
        guard let home = try call.string("home") ?? env["HOME"], !home.isEmpty else {
            throw .invalid("no home directory to scan: set the home parameter or HOME")
        }
        var roots: [String] = []
        switch call.params["paths"] {
        case .none, .some(.null): break
        case .some(.array(let items)):
            for item in items {
                guard let s = item.stringValue, !s.isEmpty else { throw .invalid("paths must be a list of directory paths") }
                roots.append(s)
            }
        default: throw .invalid("paths must be a list of directory paths")
        }
        for dir in [home] + roots where !FileManager.default.fileExists(atPath: dir) {
            throw .invalid("\(dir) does not exist; a scan of a missing path would pass without checking anything")
        }
        let scanner = PreflightScanner(home: home, roots: roots, environment: try Self.flag(call, "env") ? env : nil, now: now())
        let report = scanner.scan()
        let blocking = report.blocking(at: threshold)
        if strict, !blocking.isEmpty {
            let shown = blocking.prefix(5).map { "\($0.location) (\($0.kind))" }.joined(separator: ", ")
            let more = blocking.count > 5 ? " and \(blocking.count - 5) more" : ""
            throw ActionError(message: "preflight found \(blocking.count) credential\(blocking.count == 1 ? "" : "s") at or above \(threshold.rawValue): \(shown)\(more); remove them (run qrun preflight for the fixes) before starting the agent", retryable: false)
        }
        return ActionResult(outputs: report.value(failOn: threshold), summary: report.summary)
    }

    static func severity(_ text: String?) throws(ActionError) -> PreflightSeverity {
        guard let text else { return .low }
        guard let s = PreflightSeverity(parsing: text) else {
            throw .invalid("fail_on must be one of low, medium, high, critical, not '\(text)'")
        }
        return s
    }

    static func flag(_ call: ActionCall, _ name: String) throws(ActionError) -> Bool {
        switch call.params[name] {
        case .none, .some(.null): return false
        case .some(.bool(let b)): return b
        case .some(.string(let s)) where s == "true" || s == "false": return s == "true"
        default: throw .invalid("parameter '\(name)' must be true or false")
        }
    }
}
