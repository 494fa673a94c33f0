import Foundation
import Testing

@testable import QRunCore

@Suite("Redactor: parts of structured secrets and fragments left by a cut")
struct RedactorPartsAndFragmentsTests {
    static let slack = "https://hooks.slack.com/services/T0QC4NRY1/B0QC4NRY2/qc4n4ryW3bh00kS3cr3t"

    @Test func theSecretPathOfAWebhookURLIsMaskedOnItsOwn() {
        let r = Redactor()
        r.register(rawValue: Self.slack)
        let out = r.redact("POST /services/T0QC4NRY1/B0QC4NRY2/qc4n4ryW3bh00kS3cr3t HTTP/1.1 Host: hooks.slack.com")
        #expect(!out.contains("qc4n4ryW3bh00kS3cr3t"), "\(out)")
        #expect(out.contains("hooks.slack.com"), "the host is not secret")
    }

    @Test func queryValuesAndTheQueryAreMasked() {
        let r = Redactor()
        r.register(rawValue: "https://events.example.test/v2/enqueue?routing_key=R0ut1ngK3yQc4n4ry&x=1")
        #expect(!r.redact("routing_key=R0ut1ngK3yQc4n4ry").contains("R0ut1ngK3yQc4n4ry"))
        #expect(!r.redact("{\"routing_key\": \"R0ut1ngK3yQc4n4ry\"}").contains("R0ut1ngK3y"))
    }

    @Test func theUserinfoPasswordAndItsBasicAuthorizationAreMasked() {
        let r = Redactor()
        r.register(rawValue: "https://svc:pa55-Qc4n4ry@127.0.0.1:8443/hook")
        let basic = Data("svc:pa55-Qc4n4ry".utf8).base64EncodedString()
        #expect(r.redact("Authorization: Basic \(basic)") == "Authorization: Basic [REDACTED]")
        #expect(!r.redact("password is pa55-Qc4n4ry").contains("pa55-Qc4n4ry"))
    }

    @Test func aShortRouteIsNotMaskedEverywhere() {
        let r = Redactor()
        r.register(rawValue: "https://127.0.0.1:9/api")
        #expect(r.redact("GET /api/status") == "GET /api/status")
    }

    static let token = "qf7Xr2Lm9KpT4vWz8NbQ3sYc6HdJ1gFa5eRt0uZk"

    @Test(arguments: [3, 6, 20, 39])
    func aSecretsFirstPartAtTheEndOfACutTextIsMasked(_ kept: Int) {
        let r = Redactor()
        r.register(rawValue: Self.token)
        let out = r.redact("padding " + Self.token.prefix(kept), cut: .end)
        #expect(out == "padding [REDACTED]", "\(out)")
    }

    @Test(arguments: [3, 6, 39])
    func aSecretsLastPartAtTheStartOfATailIsMasked(_ kept: Int) {
        let r = Redactor()
        r.register(rawValue: Self.token)
        let out = r.redact(Self.token.suffix(kept) + " more", cut: .start)
        #expect(out == "[REDACTED] more", "\(out)")
    }

    @Test func prefixMasksBeforeCuttingAndSuffixMasksATailsEdge() {
        let r = Redactor()
        r.register(rawValue: Self.token)
        let text = String(repeating: "a", count: 100) + Self.token + "tail"
        let head = r.prefix(of: text, maxCharacters: 120)
        #expect(head == String(repeating: "a", count: 100) + "[REDACTED]tail")
        let cutHead = r.prefix(of: String(text.prefix(110)), maxCharacters: 1000, wasCut: true)
        #expect(cutHead == String(repeating: "a", count: 100) + "[REDACTED]")
        let tail = r.suffix(of: Data((Self.token + String(repeating: "b", count: 50)).utf8), maxBytes: 60)
        #expect(!tail.contains(String(Self.token.suffix(6))), "\(tail)")
    }

    @Test func anUncutTextKeepsItsEdges() {
        let r = Redactor()
        r.register(rawValue: Self.token)
        #expect(r.redact("ends with qf7X", cut: []) == "ends with qf7X")
    }
}
