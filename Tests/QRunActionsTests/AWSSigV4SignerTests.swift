import Foundation
import QRunCore
import QRunTestSupport
import Testing
@testable import QRunActions

/// The signer against AWS's published Signature Version 4 test suite
/// (`Tests/Fixtures/aws/sigv4-test-suite.json`): canonical request, string to sign and
/// `Authorization` header must match the published files byte for byte.
@Suite
struct AWSSigV4SignerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name, req, creq, sts, authz: String
        var testDescription: String { name }
    }

    struct Suite: Decodable {
        struct Entry: Decodable { var name, req, creq, sts, authz: String }
        var accessKeyId, secretAccessKey, region, service: String
        var cases: [Entry]
    }

    static let suite: Suite = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: Fixtures.path("aws/sigv4-test-suite.json")))
        return try! JSONDecoder().decode(Suite.self, from: data)
    }()

    static let cases: [Case] = suite.cases.map { Case(name: $0.name, req: $0.req, creq: $0.creq, sts: $0.sts, authz: $0.authz) }

    /// 2015-08-30T12:36:00Z, the suite's signing time.
    static let date = Date(timeIntervalSince1970: 1_440_938_160)

    /// A `.req` file: request line, headers (`Name:value`, repeated names kept in order), blank line, body.
    static func parse(_ req: String) -> (method: String, path: String, query: [(String, String)], headers: [(String, String)], body: Data) {
        let (head, body) = req.range(of: "\n\n").map { (String(req[..<$0.lowerBound]), String(req[$0.upperBound...])) } ?? (req, "")
        var lines = head.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine.prefix { $0 != " " })
        var target = String(requestLine.dropFirst(method.count + 1))
        if target.hasSuffix(" HTTP/1.1") { target.removeLast(" HTTP/1.1".count) }
        let path = String(target.prefix { $0 != "?" })
        var query: [(String, String)] = []
        if let q = target.firstIndex(of: "?") {
            for pair in target[target.index(after: q)...].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let k = String(kv[0]).removingPercentEncoding ?? String(kv[0])
                let v = kv.count > 1 ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : ""
                query.append((k, v))
            }
        }
        let headers = lines.map { line -> (String, String) in
            let i = line.firstIndex(of: ":")!
            return (String(line[..<i]), String(line[line.index(after: i)...]))
        }
        return (method, path, query, headers, Data(body.utf8))
    }

    @Test func theSuiteHasTheRequiredCases() {
        let names = Set(Self.cases.map(\.name))
        for required in ["get-vanilla", "post-x-www-form-urlencoded", "get-header-value-trim", "get-vanilla-query-order-key-case",
                         "post-header-key-sort", "get-utf8", "normalize-path/get-space", "normalize-path/get-slashes",
                         "normalize-path/get-relative-relative", "post-sts-token/post-sts-header-before"] {
            #expect(names.contains(required), "\(required) is missing")
        }
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func matchesThePublishedVector(_ c: Case) {
        let r = Self.parse(c.req)
        let isSTS = c.name.contains("post-sts-header-before")
        let token = r.headers.first { $0.0.lowercased() == "x-amz-security-token" }?.1
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: Self.suite.accessKeyId, secretAccessKey: Self.suite.secretAccessKey,
                                                             sessionToken: isSTS ? token : nil),
                                 region: Self.suite.region, service: Self.suite.service)
        let s = signer.sign(method: r.method, path: r.path, query: r.query, headers: r.headers, body: r.body, date: Self.date)
        #expect(s.canonicalRequest == c.creq)
        #expect(s.stringToSign == c.sts)
        #expect(s.authorization == c.authz)
    }

    @Test func addsDateAndSessionTokenAndSignsTheToken() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                                             sessionToken: "TOKEN/abc"),
                                 region: "us-east-1", service: "service")
        let s = signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")], date: Self.date)
        #expect(s.headers.contains { $0.0 == "X-Amz-Date" && $0.1 == "20150830T123600Z" })
        #expect(s.headers.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "TOKEN/abc" })
        #expect(s.canonicalRequest.contains("\nx-amz-security-token:TOKEN/abc\n"))
        #expect(s.authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
    }

    /// AWS documentation, "Examples of how to derive a signing key for Signature Version 4".
    @Test func derivesTheDocumentedSigningKey() {
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                 region: "us-east-1", service: "iam")
        #expect(Digest.hex(signer.signingKey(day: "20120215")) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test func encodesPathLabelsTheWayBotocoreDoes() {
        // A REST label is percent-encoded on the wire and encoded once more in the canonical URI.
        let path = "/quantum-task/" + PercentEncoding.uri("arn:aws:braket:us-east-1:1:quantum-task/x y") + "/cancel"
        #expect(path == "/quantum-task/arn%3Aaws%3Abraket%3Aus-east-1%3A1%3Aquantum-task%2Fx%20y/cancel")
        #expect(SigV4Signer.canonicalURI(path) == "/quantum-task/arn%253Aaws%253Abraket%253Aus-east-1%253A1%253Aquantum-task%252Fx%2520y/cancel")
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let c = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "s3cr3t-value-123", sessionToken: "tok-value-456")
        var dumped = ""
        dump(c, to: &dumped)
        for text in [c.description, c.debugDescription, "\(c)", String(reflecting: c), dumped] {
            #expect(!text.contains("s3cr3t-value-123") && !text.contains("tok-value-456"), "\(text)")
            #expect(text.contains("AKIDEXAMPLE"))
        }
    }
}
