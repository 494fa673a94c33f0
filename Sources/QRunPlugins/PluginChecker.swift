import Foundation
import QRunCore
import QRunPluginWire

/// What `qrun plugins check` does: validate every manifest and executable, then send each action
/// a `plan` request with empty parameters. An error response is fine (the parameters are
/// missing); a broken call or malformed output is a failure.
public enum PluginChecker {
    /// The verdict on one plugin.
    public struct Report: Sendable {
        /// The plugin folder.
        public var directory: String
        /// The plugin name, when the manifest could be read.
        public var name: String?
        /// Per action: nil when healthy, else the problem.
        public var actions: [(name: String, problem: String?)]
        /// Everything wrong with the plugin, manifest and actions alike.
        public var problems: [String]
        /// Whether nothing is wrong.
        public var passed: Bool { problems.isEmpty }
    }

    /// Checks every plugin under `directory`.
    public static func check(directory: String, environment: [String: String]) async -> [Report] {
        var reports: [Report] = []
        for item in PluginHost.scan(directory: directory) {
            var report = Report(directory: item.directory, name: item.manifest?.name, actions: [], problems: item.problems)
            if let m = item.manifest, item.problems.isEmpty {
                for spec in m.actions {
                    let request = PluginRequest(verb: "plan", action: spec.name, params: [:], idempotencyKey: "qrun-plugins-check",
                                                runID: "check", stepID: "check", attempt: 1)
                    do {
                        // A check is no step: it has no earlier attempt to stop, and two checks
                        // running at once must not stop each other's plugin.
                        _ = try await PluginInvoker.invoke(m, request: request, environment: environment, marksStep: false)
                        report.actions.append((spec.name, nil))
                    } catch {
                        report.actions.append((spec.name, error.message))
                        report.problems.append(error.message)
                    }
                }
            }
            reports.append(report)
        }
        return reports
    }
}
