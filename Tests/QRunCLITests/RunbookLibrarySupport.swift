import Foundation
import QRunTestSupport

/// Workspaces holding shipped runbooks from `runbooks/`, byte for byte, for the end-to-end tests
/// of the runbook library.
enum RunbookLibrary {
    /// The text of `runbooks/NAME.yaml` as shipped.
    static func shipped(_ name: String) throws -> String {
        try String(contentsOfFile: Fixtures.path("../../runbooks/\(name).yaml"), encoding: .utf8)
    }

    /// A workspace with the named shipped runbooks (and, given fakes, a `qrun.yaml` pointing at them).
    static func workspace(_ label: String, _ names: [String], fakes: ProviderFakes? = nil) throws -> TestWorkspace {
        let ws = try TestWorkspace(label)
        for name in names { try ws.write(runbook: name, try shipped(name)) }
        if let fakes { try ws.write(file: "qrun.yaml", fakes.workspaceConfig) }
        return ws
    }
}
