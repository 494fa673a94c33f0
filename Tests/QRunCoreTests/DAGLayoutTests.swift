import Foundation
import Testing

@testable import QRunCore

@Suite("DAG layout, terminal drawing and timeline axis")
struct DAGLayoutTests {
    typealias In = DAGLayout.Input

    @Test func levelsFollowTheDeepestNeedAndOnFailureIsABandOfItsOwn() {
        let layout = DAGLayout([
            In(id: "d", needs: ["b", "c"], phase: .main), In(id: "a", needs: [], phase: .main),
            In(id: "b", needs: ["a"], phase: .main), In(id: "c", needs: ["a", "b"], phase: .main),
            In(id: "e", needs: [], phase: .main), In(id: "page", needs: [], phase: .onFailure), In(id: "log", needs: ["page"], phase: .onFailure),
        ])
        #expect(layout.levels == [["a", "e"], ["b"], ["c"], ["d"], ["page"], ["log"]], "a step listed before its needs still comes after them")
        #expect(layout.mainLevelCount == 4)
        #expect(layout.node("log") == DAGLayout.Node(id: "log", phase: .onFailure, level: 5, row: 0))
        #expect(layout.edges.contains(DAGLayout.Edge(from: "b", to: "c")) && layout.edges.count == 6)
    }

    @Test func eachLevelIsOrderedByItsParentsToAvoidCrossings() {
        let layout = DAGLayout([
            In(id: "top", needs: [], phase: .main), In(id: "bottom", needs: [], phase: .main),
            In(id: "after-bottom", needs: ["bottom"], phase: .main), In(id: "after-top", needs: ["top"], phase: .main),
        ])
        #expect(layout.levels[1] == ["after-top", "after-bottom"])
    }

    @Test func aCycleOrAnUnknownNeedDoesNotHangOrCrash() {
        let layout = DAGLayout([In(id: "a", needs: ["b", "ghost"], phase: .main), In(id: "b", needs: ["a"], phase: .main)])
        #expect(layout.nodes.count == 2)
        #expect(!layout.edges.contains { $0.from == "ghost" })
    }

    @Test func theTerminalDrawingShowsLevelsEdgesConditionsGatesAndOnFailure() throws {
        let rb = try RunbookLoader(catalog: ActionRegistry.core).load(text: """
            runbook: drawn
            version: 3
            inputs:
              fast: { type: bool, default: false }
            steps:
              - id: snapshot
                uses: core.noop
              - id: approve
                if: "${{ !inputs.fast }}"
                uses: core.approval
              - id: revoke
                needs: [approve, snapshot]
                uses: core.noop
            on_failure:
              - id: page
                uses: core.noop
            """, path: "runbooks/drawn.yaml")
        let lines = DAGText.render(rb, annotations: ["approve": .init(condition: true, summary: "Pauses until an operator approves or rejects.")])
        #expect(Array(lines.dropFirst()) == [
            "",
            "Level 0 (starts at once)",
            "  snapshot        core.noop",
            "  approve [gate]  core.approval",
            "                  if ${{ !inputs.fast }}  => true: runs",
            "                  waits for `qrun approve RUN_ID approve`",
            "                  Pauses until an operator approves or rejects.",
            "",
            "Level 1",
            "  revoke          core.noop  <- approve, snapshot",
            "",
            "On failure (runs only when a main step fails)",
            "",
            "Level 0",
            "  page            core.noop",
        ])
        #expect(lines[0].hasPrefix("drawn v3: 3 steps on 2 levels, 1 on_failure (sha256 "))
        #expect(lines.allSatisfy { $0.unicodeScalars.allSatisfy(\.isASCII) }, "plain ASCII for LANG=C and tickets")
    }

    @Test func relativeTimesAndTicks() {
        #expect(Timeline.relative(0) == "+0.000s")
        #expect(Timeline.relative(2300) == "+2.300s")
        #expect(Timeline.relative(125_400) == "+2m05.4s")
        #expect(Timeline.relative(3_725_000) == "+1h02m05s")
        #expect(Timeline.relative(-40) == "-0.040s")
    }
}
