import Foundation
import Testing

@testable import QRunCore

@Suite("RunbookValidation probe")
struct RunbookValidationProbe {
    func show(_ name: String, _ text: String, path: String = "runbooks/x.yaml") {
        do {
            _ = try RunbookLoader(catalog: ActionRegistry.core).load(text: text, path: path)
            print("PROBE \(name): OK")
        } catch {
            print("PROBE \(name):\n\(error)")
        }
    }

    @Test func probe() {
        show("ifsyntax", """
        runbook: x
        version: 1
        steps:
          - id: a
            uses: core.noop
            if: inputs.x ==
          - id: b
            uses: core.noop
            if: "${{ inputs.x == }}"
        """)
        show("dupkey", """
        runbook: x
        version: 1
        steps:
          - id: a
            uses: core.noop
            id: b
        """)
        show("selfneed", """
        runbook: x
        version: 1
        steps:
          - id: a
            uses: core.noop
            needs: [a]
        """)
        show("enumempty", """
        runbook: x
        version: 1
        inputs:
          p: { type: enum, values: [] }
        steps:
          - id: a
            uses: core.noop
        """)
        show("yamlsyntax", """
        runbook: x
        version: 1
        steps:
          - id: a
            uses: core.noop
           bad: [
        """)
        show("flowbypass", "runbook: x\nversion: 1\nsteps: [a'b, " + String(repeating: "[", count: 300_000))
        var bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 { bomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i-1)", count: 9).joined(separator: ", ") + "]\n" }
        let t0 = Date()
        show("bomb", bomb)
        print("bomb took \(Date().timeIntervalSince(t0))")
        var kbomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for i in 1...6 { kbomb += "a\(i): &a\(i) [" + Array(repeating: "*a\(i-1)", count: 9).joined(separator: ", ") + "]\n" }
        kbomb += "? *a6\n: 1\n"
        let t1 = Date()
        show("keybomb6", kbomb)
        print("keybomb6 took \(Date().timeIntervalSince(t1))")
    }
}
