import ArgumentParser
import Foundation
import QRunActions
import QRunCore

/// `qrun docs runbooks`: prints the runbook reference (`docs/runbooks.md`) generated from the
/// validator's key lists and the built-in action registry. Hidden: it exists to keep that file
/// in step with the code.
struct DocsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Print generated reference documentation (runbooks: docs/runbooks.md).",
        shouldDisplay: false)

    @Argument(help: "Which reference: runbooks.")
    var topic: String

    func run() async throws {
        guard topic == "runbooks" else { throw CLIError(.usage, "unknown reference '\(topic.prefix(40))'; the one there is: runbooks") }
        FileHandle.standardOutput.write(Data(RunbookReference.markdown(registry: BuiltinActions.registry()).utf8))
    }
}
