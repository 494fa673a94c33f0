import Foundation
import QRunRuntime

extension Workspace {
    /// The workspace named by the global options (`--home`, `--state-dir`), warnings to stderr.
    convenience init(_ options: GlobalOptions) throws {
        try self.init(WorkspaceOptions(home: options.home, stateDir: options.stateDir))
    }
}
