import Foundation
import QRunActions
import QRunCore
import QRunTestSupport
import Testing

/// `docs/runbooks.md` is what `qrun docs runbooks` generates from the registry, every key the
/// validator accepts is described, and every output a shipped runbook reads is one its action
/// declares.
@Suite struct RunbookReferenceTests {
    static let registry = BuiltinActions.registry()
    static let regenerate = "regenerate it with `swift build && .build/debug/qrun docs runbooks > docs/runbooks.md` and commit the result"

    @Test func theCommittedReferenceIsWhatTheRegistryGenerates() throws {
        let committed = try String(contentsOfFile: Fixtures.path("../../docs/runbooks.md"), encoding: .utf8)
        let generated = RunbookReference.markdown(registry: Self.registry)
        let a = committed.components(separatedBy: "\n")
        let b = generated.components(separatedBy: "\n")
        let firstDifference = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }.map { $0.offset + 1 } ?? min(a.count, b.count) + 1
        #expect(committed == generated,
                "docs/runbooks.md differs from the generated reference at line \(firstDifference) (committed: \(a.count > firstDifference - 1 ? a[firstDifference - 1] : "end of file"); generated: \(b.count > firstDifference - 1 ? b[firstDifference - 1] : "end of file")); \(Self.regenerate)")
    }

    @Test func everyKeyAndEveryActionIsInTheReference() {
        let generated = RunbookReference.markdown(registry: Self.registry)
        #expect(!generated.contains(RunbookReference.undocumented), "a key the validator accepts has no description in RunbookReference+Keys.swift")
        for section in RunbookKeys.sections {
            for key in section.keys { #expect(generated.contains("| `\(key)` |"), "key \(key) of \(section.place)") }
        }
        #expect(Self.registry.actionNames.count > 20)
        for name in Self.registry.actionNames {
            #expect(generated.contains("### `\(name)`\n"), "action \(name)")
            for p in Self.registry.descriptor(for: name)?.parameters ?? [] {
                #expect(generated.contains("| `\(p.name)` |"), "parameter \(p.name) of \(name)")
            }
        }
    }

    @Test(arguments: ["credential-leak", "qpu-billing-abuse", "experiment-tampering", "agent-containment"])
    func everyOutputAShippedRunbookReadsIsDeclared(_ name: String) throws {
        let path = Fixtures.path("../../runbooks/\(name).yaml")
        let runbook = try RunbookLoader(catalog: Self.registry).load(path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"steps\.([a-z0-9-]+)\.outputs\.([A-Za-z0-9_]+)"#)
        let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
        #expect(!matches.isEmpty, "\(name) reads no step output; this test checks nothing for it")
        for m in matches {
            let step = String(text[Range(m.range(at: 1), in: text)!])
            let output = String(text[Range(m.range(at: 2), in: text)!])
            let uses = try #require(runbook.step(step)?.uses, "\(name): no step \(step)")
            let declared = Self.registry.descriptor(for: uses)?.outputs.map(\.name) ?? []
            #expect(declared.contains(output), "\(name): steps.\(step).outputs.\(output) is not an output \(uses) declares (\(declared))")
        }
    }
}
