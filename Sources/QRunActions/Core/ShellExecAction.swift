import Foundation
import QRunCore

/// `shell.exec`: runs a program from an argv array — never a shell string — with an explicit
/// environment (nothing of qrun's own unless listed), its own session, a timeout ending in
/// SIGKILL of its process group, and capped output.
///
/// Secrets reach the child only through `env` or `stdin`, never through argv (visible in `ps`).
/// The child gets `QRUN_IDEMPOTENCY_KEY`, `QRUN_RUN_ID` and `QRUN_STEP_ID` so a script can make
/// itself idempotent across retries and resumes.
///
/// Attempts never overlap: the child is marked `QRUN_STEP_KEY=<idempotency key>`, and whatever an
/// earlier attempt left running (after `kill -9` of qrun, or a setsid escapee) is stopped before
/// the child starts (see ``OrphanReaper``); the pids land in the output `previous_attempt_pids`.
public struct ShellExecAction: Action {
    public init() {}

    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    public var descriptor: ActionDescriptor {
        ActionDescriptor(name: "shell.exec", summary: "Runs a program from an argv list with an explicit environment.", parameters: [
            ParameterSpec("argv", .list, required: true, secret: .forbidden, description: "Program and arguments; no secrets."),
            ParameterSpec("env", .map, description: "Environment for the child; values may be secret references (an explicit grant)."),
            ParameterSpec("inherit_env", .list, secret: .forbidden, description: "Names of qrun's own environment variables to pass on."),
            ParameterSpec("stdin", .string, description: "Text for standard input; may be a secret reference."),
            ParameterSpec("cwd", .string, secret: .forbidden, description: "Working directory."),
            ParameterSpec("timeout", .duration, secret: .forbidden, description: "Time limit (default 60s); then SIGTERM, 5s grace, SIGKILL."),
            ParameterSpec("expect_exit", .intOrList, secret: .forbidden, description: "Exit codes that mean success (default 0)."),
            ParameterSpec("retryable_exit", .intOrList, secret: .forbidden, description: "Exit codes worth retrying (default 75, EX_TEMPFAIL)."),
            ParameterSpec("output_limit", .int, secret: .forbidden, description: "Bytes of stdout and of stderr kept (default 1 MiB)."),
        ])
    }

    struct Prepared {
        var request: ChildProcessRequest
        var display: String
    }

    static func codes(_ v: Value?, default d: Set<Int32>) throws(ActionError) -> Set<Int32> {
        switch v {
        case .none, .some(.null): return d
        case .some(let v):
            if let i = v.intValue { return [Int32(truncatingIfNeeded: i)] }
            if case .array(let items) = v, items.allSatisfy({ $0.intValue != nil }) {
                return Set(items.compactMap { $0.intValue.map { Int32(truncatingIfNeeded: $0) } })
            }
            throw .invalid("exit codes must be an integer or a list of integers")
        }
    }

    func prepare(_ call: ActionCall) async throws(ActionError) -> Prepared {
        guard case .array(let items)? = call.params["argv"], !items.isEmpty else {
            throw .invalid("argv must be a non-empty list, e.g. [\"/usr/bin/logger\", \"qrun\"]")
        }
        var argv: [String] = []
        for item in items {
            switch item {
            case .string(let s):
                if s.hasPrefix("secret:") {
                    throw .invalid("argv must not carry secrets (any user can read a process's arguments); pass it in env or stdin")
                }
                argv.append(s)
            case .int, .double, .bool: argv.append(item.interpolationText)
            default: throw .invalid("argv entries must be strings")
            }
        }
        var env: [String: String] = [:]
        let parentEnv = ProcessInfo.processInfo.environment
        if case .array(let names)? = call.params["inherit_env"] {
            for n in names {
                guard let name = n.stringValue else { throw .invalid("inherit_env lists variable names") }
                if let v = parentEnv[name] {
                    env[name] = v
                    if SecretNames.looksSecret(name) { call.secrets.redactor.register(rawValue: v) }
                }
            }
        }
        if env["PATH"] == nil { env["PATH"] = Self.defaultPath }
        if let e = call.params["env"], !e.isNull {
            guard case .object(let members) = e else { throw .invalid("env must be a map of names to values") }
            for (name, v) in members {
                guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                    throw .invalid("'\(name)' is not a valid environment variable name")
                }
                env[name] = try await call.resolve(text: v.interpolationText).text
            }
        }
        env["QRUN_IDEMPOTENCY_KEY"] = call.idempotencyKey
        env["QRUN_RUN_ID"] = call.runID
        env["QRUN_STEP_ID"] = call.stepID
        var stdin: Data?
        if let s = try call.string("stdin") {
            stdin = Data(try await call.resolve(text: s).text.utf8)
        }
        let limit = call.params["output_limit"]?.intValue ?? ChildProcessRequest.defaultOutputLimit
        guard limit > 0, limit <= 64 << 20 else { throw .invalid("output_limit must be between 1 and 67108864 bytes") }
        let request = ChildProcessRequest(executable: argv[0], arguments: Array(argv.dropFirst()), environment: env,
                                          workingDirectory: try call.string("cwd"), stdin: stdin,
                                          timeout: try call.duration("timeout") ?? .seconds(60), outputLimit: limit)
        return Prepared(request: request, display: "\(argv[0]) with \(argv.count - 1) argument\(argv.count == 2 ? "" : "s")")
    }

    public func plan(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        let exe = p.request.executable
        if !exe.contains("/") {
            let path = p.request.environment["PATH"] ?? Self.defaultPath
            let found = path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(exe)") }
            if !found { throw ActionError.invalid("executable '\(exe)' not found in PATH=\(path)") }
        } else if !FileManager.default.isExecutableFile(atPath: exe) {
            throw ActionError.invalid("\(exe) is not an executable file")
        }
        return ActionResult(outputs: ["planned": .bool(true)], summary: "would run \(p.display)")
    }

    public func apply(_ call: ActionCall) async throws -> ActionResult {
        let p = try await prepare(call)
        let ok = try Self.codes(call.params["expect_exit"], default: [0])
        let retryable = try Self.codes(call.params["retryable_exit"], default: [75])
        var request = p.request
        request.stepKey = call.idempotencyKey
        let result: ChildResult
        do {
            result = try await ChildProcess.run(request)
            Self.logPreviousAttempt(result, call)
        } catch {
            throw ActionError(message: "\(error)", retryable: error.code == .previousAttemptSurvived)
        }
        // Mask before cutting, and mask the part of a secret a capture limit or a cut leaves at an edge.
        let redactor = call.secrets.redactor
        let stdout = redactor.prefix(of: String(decoding: result.stdout, as: UTF8.self), maxCharacters: 64 * 1024,
                                     wasCut: result.stdoutTruncated)
        let stderr = redactor.suffix(of: result.stderr, maxBytes: 16 * 1024, wasCutAtEnd: result.stderrTruncated)
        for line in stderr.split(separator: "\n").suffix(20) { call.log(String(line)) }
        if result.timedOut {
            throw ActionError(message: "\(p.display) timed out and was killed", retryable: true)
        }
        if result.cancelled {
            throw ActionError(message: "\(p.display) was interrupted", retryable: true)
        }
        if let sig = result.signal {
            throw ActionError(message: "\(p.display) was killed by signal \(sig)", retryable: false)
        }
        let code = result.exitCode ?? -1
        var outputs: [String: Value] = ["exit_code": .int(Int(code)), "stdout": .string(stdout),
                                        "stderr": .string(stderr)]
        if result.stdoutTruncated { outputs["stdout_truncated"] = .bool(true) }
        if let json = try? Value.parseJSON(result.stdout), case .object = json { outputs["json"] = json }
        guard ok.contains(code) else {
            let tail = stderr.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw ActionError(message: "\(p.display) exited with \(code)\(tail)", retryable: retryable.contains(code))
        }
        if !result.previousAttemptPids.isEmpty {
            outputs["previous_attempt_pids"] = .array(result.previousAttemptPids.map { .int(Int($0)) })
        }
        return ActionResult(outputs: outputs, summary: "\(p.display) exited with \(code)")
    }

    /// Logs what an earlier attempt of the step left running and was stopped before this child.
    static func logPreviousAttempt(_ result: ChildResult, _ call: ActionCall) {
        let pids = result.previousAttemptPids
        guard !pids.isEmpty else { return }
        call.log("stopped \(pids.count) process(es) an earlier attempt of this step left running: \(pids.map(String.init).joined(separator: ", "))")
    }
}
