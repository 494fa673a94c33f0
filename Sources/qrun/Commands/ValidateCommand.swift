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

/// `qrun plan NAME [--input k=v]…`
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show the DAG and what each step would do, without running or recording anything.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Runbook name or path.")
    var runbook: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input value.", valueName: "NAME=VALUE"))
    var inputs: [String] = []

    func run() async throws {
        let ws = try Workspace(global)
        let rb = try ws.loadRunbook(runbook)
        let values = try RunInputs.resolve(rb, given: try RunLauncher.parseInputs(inputs), supplier: .operatorAtTerminal)
        let scope = ValueScope(roots: ["inputs": values, "steps": .object([:]), "run": ["id": "<run id>", "runbook": .string(rb.name), "version": .int(rb.version), "mode": "apply"],
                                       "alert": .null, "event": .null, "env": .object([:])])
        var layers: [String: Int] = [:]
        for s in rb.allSteps {
            layers[s.id] = (s.needs.compactMap { layers[$0] }.max() ?? -1) + 1
        }
        var out: [Value] = []
        for s in rb.allSteps {
            var params: [String: Value] = [:]
            for (k, v) in s.with {
                params[k] = (try? v.render(in: scope)) ?? .string("<set at run time>")
            }
            var cond: Value = .null
            if let c = s.condition {
                cond = (try? c.render(in: scope)).map { .bool(ExpressionEvaluator.isTruthy($0)) } ?? .string("decided at run time")
            }
            out.append(["id": .string(s.id), "phase": .string(s.phase.rawValue), "uses": .string(s.uses), "needs": .array(s.needs.map(Value.string)),
                        "layer": .int(layers[s.id] ?? 0), "if": cond, "with": .object(params),
                        "summary": .string(ws.registry.descriptor(for: s.uses)?.summary ?? "")])
        }
        if global.json {
            Console.json(["runbook": .string(rb.name), "version": .int(rb.version), "sha256": .string(rb.source.sha256), "inputs": values, "steps": .array(out)])
            return
        }
        Console.out("\(rb.name) v\(rb.version) — \(rb.allSteps.count) steps (sha256 \(rb.source.sha256.prefix(12))…)")
        for s in out {
            guard let o = s.objectValue else { continue }
            let indent = String(repeating: "  ", count: (o["layer"]?.intValue ?? 0) + 1)
            var line = "\(indent)\(o["phase"]?.stringValue == "on_failure" ? "[on_failure] " : "")\(o["id"]!.interpolationText)  \(o["uses"]!.interpolationText)"
            if let needs = o["needs"]?.arrayValue, !needs.isEmpty { line += "  needs: \(needs.map(\.interpolationText).joined(separator: ", "))" }
            if let c = o["if"], !c.isNull { line += "  if: \(c.interpolationText)" }
            Console.out(line)
            Console.out("\(indent)    \(o["summary"]!.interpolationText) with \(o["with"]!.jsonText)")
        }
    }
}
