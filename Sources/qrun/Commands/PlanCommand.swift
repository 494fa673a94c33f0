import ArgumentParser
import Foundation
import QRunCore
import QRunRuntime

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
        let run: Value = ["id": "<run id>", "runbook": .string(rb.name), "version": .int(rb.version), "mode": "apply"]
        let scope = ValueScope(roots: ["inputs": values, "steps": .object([:]), "run": run,
                                       "alert": .null, "event": .null, "env": .object([:])])
        let layout = DAGLayout(runbook: rb)
        var out: [Value] = []
        var annotations: [String: DAGText.Annotation] = [:]
        for s in rb.allSteps {
            var params: [String: Value] = [:]
            for (k, v) in s.with {
                params[k] = (try? v.render(in: scope)) ?? .string("<set at run time>")
            }
            var cond: Value = .null
            var known: Bool?
            if let c = s.condition {
                known = (try? c.render(in: scope)).map(ExpressionEvaluator.isTruthy)
                cond = known.map(Value.bool) ?? .string("decided at run time")
            }
            let summary = ws.registry.descriptor(for: s.uses)?.summary ?? ""
            annotations[s.id] = DAGText.Annotation(condition: known, summary: "\(summary) with \(Value.object(params).jsonText)")
            let level = layout.node(s.id)?.level ?? 0
            out.append(["id": .string(s.id), "phase": .string(s.phase.rawValue), "uses": .string(s.uses), "needs": .array(s.needs.map(Value.string)),
                        "layer": .int(level), "level": .int(level), "if": cond, "condition": s.condition.map { .string($0.source) } ?? .null,
                        "approval_gate": .bool(s.uses == "core.approval"), "with": .object(params), "summary": .string(summary)])
        }
        if global.json {
            Console.json(["runbook": .string(rb.name), "version": .int(rb.version), "sha256": .string(rb.source.sha256), "inputs": values,
                          "steps": .array(out),
                          "levels": .array(layout.levels.map { .array($0.map(Value.string)) }), "main_levels": .int(layout.mainLevelCount),
                          "edges": .array(layout.edges.map { .object(["from": .string($0.from), "to": .string($0.to)]) })])
            return
        }
        for line in DAGText.render(rb, annotations: annotations) { Console.out(line) }
    }
}
