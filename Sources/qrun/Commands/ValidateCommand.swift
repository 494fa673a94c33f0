import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

/// `qrun validate [PATH…]`
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate runbooks; exit 0 if all are valid, else 2 with file:line:col errors.",
        discussion: "Without paths, validates every runbooks/*.yaml of the workspace. A version whose text changed after it was run is an error.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook files or names.")
    var paths: [String] = []

    func run() async throws {
        let ws = try Workspace(global)
        var targets = paths
        if targets.isEmpty {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: ws.runbooksDirectory)) ?? []
            targets = files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (ws.runbooksDirectory as NSString).appendingPathComponent($0) }
            if targets.isEmpty { throw CLIError(.usage, "no runbooks in \(ws.runbooksDirectory)") }
        }
        var results: [Value] = []
        var failed = 0
        for t in targets {
            let path = t.hasSuffix(".yaml") || t.hasSuffix(".yml") || t.contains("/") ? Workspace.absolute(t, base: FileManager.default.currentDirectoryPath) : (try? ws.runbookPath(t)) ?? t
            do {
                let rb = try ws.loadRunbook(path)
                results.append(["path": .string(t), "valid": true, "runbook": .string(rb.name), "version": .int(rb.version), "steps": .int(rb.allSteps.count)])
                if !global.json { Console.out("ok    \(t) (\(rb.name) v\(rb.version), \(rb.allSteps.count) steps)") }
            } catch let e as RunbookValidationError {
                failed += 1
                results.append(["path": .string(t), "valid": false, "errors": .array(e.issues.map { i in
                    .object(["file": .string(i.location.file), "line": .int(i.location.line), "column": .int(i.location.column), "message": .string(i.message)])
                })])
                if !global.json { for i in e.issues { Console.err(i.description) } }
            } catch {
                failed += 1
                let message = CLIError.wrap(error)?.message ?? "\(error)"
                results.append(["path": .string(t), "valid": false, "errors": .array([.object(["message": .string(message)])])])
                if !global.json { Console.err(message) }
            }
        }
        if global.json { Console.json(["valid": .bool(failed == 0), "results": .array(results)]) }
        if failed > 0 { throw ExitCode(ExitStatus.invalidInput.rawValue) }
    }
}
