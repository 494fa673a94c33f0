import Foundation
import QRunActions
import QRunCore
import QRunPluginWire

/// Runs a plugin's executable for one request and turns what it did into a response or an error.
///
/// The child runs in its own session with only the manifest's environment allow-list, gets the
/// request on stdin, is terminated (SIGTERM, then SIGKILL after a grace) at the timeout, and has
/// each output stream capped at 1 MiB. Errors name the plugin and action, never the parameters.
///
/// The child of a step is marked `QRUN_STEP_KEY=<idempotency key>`, and whatever an earlier
/// attempt of the step left running is stopped before it starts (see ``OrphanReaper``), so a
/// retried or resumed step never overlaps its predecessor; a successful response then carries the
/// stopped pids as the output `previous_attempt_pids`.
public enum PluginInvoker {
    /// Time between SIGTERM and SIGKILL when a plugin is torn down.
    public static let terminationGrace = Duration.seconds(2)
    /// The most bytes read from each of a plugin's stdout and stderr.
    public static let outputLimit = 1 << 20

    /// What one call produced: the parsed response and the plugin's stderr lines.
    public struct Outcome: Sendable {
        /// The plugin's answer.
        public var response: PluginResponse
        /// Non-empty stderr lines, for the step log.
        public var stderrLines: [String]
    }

    /// Sends `request` to `manifest`'s executable.
    /// - Parameters:
    ///   - environment: qrun's environment; only PATH, HOME, LANG and `env_allow` names pass.
    ///   - timeout: Overrides the manifest's timeout when shorter.
    ///   - log: Receives each stderr line, also when the call fails.
    ///   - marksStep: Whether the call belongs to the step of `request.idempotencyKey` (see above);
    ///     `false` only for calls that are no step's, such as `qrun plugins check`.
    /// - Throws: ``ActionError`` for a broken plugin (retryable only for timeouts), or when an
    ///   earlier attempt's processes cannot be stopped.
    public static func invoke(_ manifest: PluginManifest, request: PluginRequest, environment: [String: String],
                              timeout: Duration? = nil, log: @Sendable (String) -> Void = { _ in },
                              marksStep: Bool = true) async throws(ActionError) -> PluginResponse {
        let who = "plugin '\(manifest.name)' (action \(request.action), \(request.verb))"
        try checkExecutable(manifest, who: who)
        let body: Data
        do { body = try request.encoded() } catch { throw ActionError(message: "\(who) could not be sent its request: the parameters cannot be encoded as JSON", retryable: false) }
        let limit = min(timeout ?? manifest.timeout, manifest.timeout)
        let child = ChildProcessRequest(executable: manifest.executablePath, environment: manifest.childEnvironment(from: environment),
                                        workingDirectory: manifest.directory, stdin: body, timeout: limit,
                                        terminationGrace: terminationGrace, outputLimit: outputLimit, killProcessGroupOnExit: true,
                                        stepKey: marksStep ? request.idempotencyKey : nil)
        let result: ChildResult
        do {
            result = try await ChildProcess.run(child)
        } catch {
            let retryable = error.code == .resourceUnavailable || error.code == .previousAttemptSurvived
            throw ActionError(message: "\(who) could not be started: \(startFailure(error))", retryable: retryable)
        }
        let previous = result.previousAttemptPids
        if !previous.isEmpty {
            log("\(manifest.name): stopped \(previous.count) process(es) an earlier attempt of this step left running: "
                + previous.map(String.init).joined(separator: ", "))
        }
        var lines = String(decoding: result.stderr, as: UTF8.self).split(whereSeparator: \.isNewline)
        // The limit cut the last line, possibly inside a secret the redactor can then not match: drop it.
        if result.stderrTruncated, !lines.isEmpty { lines.removeLast() }
        for line in lines where !line.allSatisfy(\.isWhitespace) {
            log("\(manifest.name): \(line)")
        }
        if result.stderrTruncated { log("\(manifest.name): (stderr over 1 MiB; the rest was discarded)") }
        if result.timedOut {
            throw ActionError(message: "\(who) did not answer within \(seconds(limit)) and was stopped (SIGTERM, then SIGKILL)", retryable: true)
        }
        if result.cancelled { throw ActionError(message: "\(who) was stopped because the step was cancelled", retryable: false) }
        if result.stdoutTruncated {
            throw ActionError(message: "\(who) wrote more than 1 MiB to stdout; a response must be one small JSON object", retryable: false)
        }
        let response: PluginResponse
        do {
            response = try PluginResponse.parse(result.stdout)
        } catch {
            if let signal = result.signal {
                throw ActionError(message: "\(who) was killed by signal \(signal) without a response", retryable: false)
            }
            if let code = result.exitCode, code != 0, error == .empty {
                throw ActionError(message: "\(who) exited with status \(code) without a response; see the step log for its stderr", retryable: false)
            }
            let status = result.exitCode.map { $0 == 0 ? "" : " (it exited with status \($0))" } ?? ""
            throw ActionError(message: "\(who) gave a malformed response: its output \(error)\(status); a plugin prints one JSON object like {\"ok\":true,\"outputs\":{},\"summary\":\"…\"}", retryable: false)
        }
        if case .success = response, let code = result.exitCode, code != 0 {
            throw ActionError(message: "\(who) reported success but exited with status \(code); treating the call as failed", retryable: false)
        }
        if case .success(var outputs, let summary) = response, !previous.isEmpty {
            outputs["previous_attempt_pids"] = .array(previous.map { .int(Int($0)) })
            return .success(outputs: outputs, summary: summary)
        }
        return response
    }

    /// Refuses early, with a clear sentence, when the executable is missing or not executable.
    static func checkExecutable(_ manifest: PluginManifest, who: String) throws(ActionError) {
        var isDir: ObjCBool = false
        let rel = String(manifest.executablePath.dropFirst(manifest.directory.count + 1))
        guard FileManager.default.fileExists(atPath: manifest.executablePath, isDirectory: &isDir) else {
            throw ActionError(message: "\(who) cannot run: its executable \(rel) does not exist in \(manifest.directory)", retryable: false)
        }
        guard !isDir.boolValue, access(manifest.executablePath, X_OK) == 0 else {
            throw ActionError(message: "\(who) cannot run: \(rel) in \(manifest.directory) is not an executable file (chmod +x it)", retryable: false)
        }
    }

    static func startFailure(_ error: ChildProcessError) -> String {
        switch error.code {
        case .executableNotFound: "its executable does not exist"
        case .permissionDenied: "its executable may not be executed (chmod +x it)"
        case .notExecutable: "the kernel cannot execute it (check the #! line and that its interpreter is on PATH)"
        default: error.message
        }
    }

    static func seconds(_ d: Duration) -> String {
        let c = d.components
        let s = Double(c.seconds) + Double(c.attoseconds) / 1e18
        return s == s.rounded() ? "\(Int(s))s" : String(format: "%.1fs", s)
    }
}
