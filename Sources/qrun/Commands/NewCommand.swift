import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime
#if canImport(Glibc)
import Glibc
#endif

/// `qrun new NAME [--from TEMPLATE]`: scaffolds `runbooks/NAME.yaml`, a runbook that validates as
/// written, with the documentation header every shipped runbook carries.
struct NewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Scaffold runbooks/NAME.yaml: a runbook that validates as written, to edit from there.",
        discussion: """
            TEMPLATE is one of \(RunbookTemplate.names.joined(separator: ", ")) (default \(RunbookTemplate.defaultName)), or the \
            name of a runbook already in the workspace, copied under the new name at version 1. An existing file is never \
            overwritten; the new file is written 0600.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The new runbook's name (lower-case letters, digits, '.', '_' or '-', at most 64).")
    var name: String

    @Option(name: .long, help: "A built-in template or an existing runbook to start from.")
    var from: String?

    /// Checked in `run` rather than `validate`, so the refusal is one sentence without a usage dump.
    func checkName() throws {
        guard RunbookTemplate.isValidName(name) else {
            throw CLIError(.usage, "'\(name.prefix(80))' is not a runbook name (lower-case letters, digits, '.', '_' or '-', at most 64, "
                + "starting with a letter or digit); try '\(RunbookTemplate.suggestName(name))'")
        }
    }

    func run() async throws {
        try checkName()
        let ws = try Workspace(global)
        let text = try source(ws)
        let path = (ws.runbooksDirectory as NSString).appendingPathComponent("\(name).yaml")
        if FileManager.default.fileExists(atPath: path) {
            throw CLIError(.usage, "\(path) already exists; pick another name, or edit that file and bump its version")
        }
        // The scaffold must validate before it is written: a template that does not is a bug here.
        do {
            _ = try ws.loader.load(text: text, path: path)
        } catch {
            throw CLIError(.invalidInput, "the scaffold from '\(from ?? RunbookTemplate.defaultName)' does not validate: \(error)")
        }
        try FileManager.default.createDirectory(atPath: ws.runbooksDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try Self.writeNew(text, to: path)
        if global.json {
            Console.json(["runbook": .string(name), "path": .string(path), "version": .int(1)])
        } else {
            Console.out("created \(path); edit it, then: qrun validate \(name) && qrun plan \(name)")
        }
    }

    /// The text to write: a built-in template, or an existing runbook renamed at version 1.
    func source(_ ws: Workspace) throws -> String {
        let template = from ?? RunbookTemplate.defaultName
        if let builtIn = RunbookTemplate.text(template, name: name) { return builtIn }
        let existing = (ws.runbooksDirectory as NSString).appendingPathComponent("\(template).yaml")
        guard RunbookTemplate.isValidName(template), let data = FileManager.default.contents(atPath: existing) else {
            throw CLIError(.usage, "no template or runbook '\(template.prefix(80))'; templates: \(RunbookTemplate.names.joined(separator: ", "))")
        }
        return RunbookTemplate.copy(String(decoding: data, as: UTF8.self), from: template, to: name)
    }

    /// Creates `path` 0600, failing if it exists (O_EXCL: no race with another writer).
    static func writeNew(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw CLIError(.usage, "\(path) already exists; pick another name") }
            throw CLIError(.state, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw CLIError(.state, "cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
    }
}
