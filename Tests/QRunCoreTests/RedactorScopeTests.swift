import QRunCore
import Testing

/// A process that lives for months forgets a run's secrets when the run's execution ends, and
/// keeps masking what another run, or no run, registered.
@Suite struct RedactorScopeTests {
    @Test func endingAScopeForgetsOnlyWhatItAloneRegistered() {
        let r = Redactor()
        r.register(rawValue: "process-wide-secret-1")
        Redactor.$scope.withValue("run-a") {
            r.register(rawValue: "secret-of-run-a-only")
            r.register(rawValue: "shared-by-a-and-b-22")
        }
        Redactor.$scope.withValue("run-b") {
            r.register(rawValue: "shared-by-a-and-b-22")
        }
        let text = "process-wide-secret-1 secret-of-run-a-only shared-by-a-and-b-22"
        #expect(r.redact(text) == "[REDACTED] [REDACTED] [REDACTED]")
        let before = r.registeredCount
        r.endScope("run-a")
        #expect(r.redact(text) == "[REDACTED] secret-of-run-a-only [REDACTED]")
        #expect(r.registeredCount == before - 1)
        r.endScope("run-b")
        #expect(r.redact(text) == "[REDACTED] secret-of-run-a-only shared-by-a-and-b-22")
        r.endScope("never-registered")
        #expect(r.redact("process-wide-secret-1") == "[REDACTED]")
    }

    @Test func manyRunsLeaveNothingBehind() {
        let r = Redactor()
        for i in 0..<500 {
            Redactor.$scope.withValue("run-\(i)") { r.register(rawValue: "token-of-run-\(i)-abcdef") }
            r.endScope("run-\(i)")
        }
        #expect(r.registeredCount == 0)
    }
}
