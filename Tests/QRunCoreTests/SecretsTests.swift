import Foundation
import Testing

@testable import QRunCore

// MARK: - Helpers

/// A fresh private directory under the system temporary directory, removed by `cleanup()`.
private struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.resolvingSymlinksInPath().path
        path = base + "/qrun-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
    }

    /// Writes `contents` to `name` with the given mode and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ contents: [UInt8], mode: Int) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.createFile(atPath: file, contents: Data(contents)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file)
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        try write(name, Array(text.utf8), mode: mode)
    }

    func cleanup() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

private func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

private func urlSafe(_ b64: String) -> String {
    b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
}

private func unpadded(_ b64: String) -> String {
    var s = b64
    while s.hasSuffix("=") { s.removeLast() }
    return s
}

private func hex(_ text: String, uppercase: Bool) -> String {
    text.utf8.map { String(format: uppercase ? "%02X" : "%02x", $0) }.joined()
}

/// Percent-encodes every byte except the unreserved characters (RFC 3986).
private func percentEncoded(_ text: String, uppercase: Bool, plusForSpace: Bool) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            out.append(Character(UnicodeScalar(byte)))
        case UInt8(ascii: " ") where plusForSpace:
            out.append("+")
        default:
            out += String(format: uppercase ? "%%%02X" : "%%%02x", byte)
        }
    }
    return out
}

// MARK: - SecretReference

@Suite("SecretReference parsing")
struct SecretReferenceTests {
    @Test func parsesEnvironmentReference() throws {
        let ref = try #require(try SecretReference.parse("secret:env:SLACK_WEBHOOK_URL"))
        #expect(ref.source == .env(name: "SLACK_WEBHOOK_URL"))
        #expect(ref.description == "secret:env:SLACK_WEBHOOK_URL")
        #expect("\(ref)" == "secret:env:SLACK_WEBHOOK_URL")
        #expect(try SecretReference.parse("secret:env:_x9")?.source == .env(name: "_x9"))
    }

    @Test func parsesFileReference() throws {
        let absolute = try #require(try SecretReference.parse("secret:file:/etc/qrun/pagerduty.token"))
        #expect(absolute.source == .file(path: "/etc/qrun/pagerduty.token"))
        #expect(absolute.description == "secret:file:/etc/qrun/pagerduty.token")
        let relative = try #require(try SecretReference.parse("secret:file:tokens/pd token#1"))
        #expect(relative.source == .file(path: "tokens/pd token#1"))
        #expect(relative.description == "secret:file:tokens/pd token#1")
    }

    @Test func parsesVaultReference() throws {
        let ref = try #require(try SecretReference.parse("secret:vault:kv/teams/sre/slack#webhook_url"))
        #expect(ref.source == .vault(mount: "kv", path: "teams/sre/slack", field: "webhook_url"))
        #expect(ref.description == "secret:vault:kv/teams/sre/slack#webhook_url")
        #expect(ref.scheme == "vault")
    }

    @Test(arguments: ["", "hello", "Secret:env:X", " secret:env:X", "secretenv:X", "secret"])
    func ordinaryTextIsNotAReference(_ text: String) throws {
        #expect(try SecretReference.parse(text) == nil)
    }

    static let usage = "use secret:env:NAME, secret:file:PATH or secret:vault:MOUNT/PATH#FIELD"

    static let malformed: [(String, String)] = [
        ("secret:aws:x", "unknown secret source 'aws'; \(usage)"),
        ("secret:ENV:X", "unknown secret source 'ENV'; \(usage)"),
        ("secret:", "secret reference 'secret:' names no source; \(usage)"),
        ("secret::X", "secret reference 'secret::X' names no source; \(usage)"),
        ("secret:env", "secret reference 'secret:env' has no variable name; use secret:env:NAME"),
        ("secret:env:", "secret reference 'secret:env:' has no variable name; use secret:env:NAME"),
        (
            "secret:env:1TOKEN",
            "the text after secret:env: is not an environment variable name; a name is letters, digits and "
                + "underscores and does not start with a digit (secret:env:NAME)"
        ),
        (
            "secret:env:SLACK-URL",
            "the text after secret:env: is not an environment variable name; a name is letters, digits and "
                + "underscores and does not start with a digit (secret:env:NAME)"
        ),
        (
            "secret:env:TOKEN ",
            "the text after secret:env: is not an environment variable name; a name is letters, digits and "
                + "underscores and does not start with a digit (secret:env:NAME)"
        ),
        ("secret:file:", "secret reference 'secret:file:' has no path; use secret:file:PATH"),
        ("secret:file", "secret reference 'secret:file' has no path; use secret:file:PATH"),
        ("secret:vault:", "secret reference 'secret:vault:' has no Vault path; use secret:vault:MOUNT/PATH#FIELD"),
        ("secret:vault:kv/slack", "secret reference 'secret:vault:kv/slack' has no field; use secret:vault:MOUNT/PATH#FIELD"),
        (
            "secret:vault:kv/slack#",
            "secret reference 'secret:vault:kv/slack#' has an empty field after '#'; use secret:vault:MOUNT/PATH#FIELD"
        ),
        (
            "secret:vault:kv#token",
            "secret reference 'secret:vault:kv#token' needs both a mount and a path before '#'; "
                + "use secret:vault:MOUNT/PATH#FIELD"
        ),
        (
            "secret:vault:/slack#token",
            "secret reference 'secret:vault:/slack#token' needs both a mount and a path before '#'; "
                + "use secret:vault:MOUNT/PATH#FIELD"
        ),
        (
            "secret:vault:kv/#token",
            "secret reference 'secret:vault:kv/#token' needs both a mount and a path before '#'; "
                + "use secret:vault:MOUNT/PATH#FIELD"
        ),
    ]

    @Test(arguments: malformed)
    func malformedReferenceHasExactMessage(_ text: String, _ message: String) {
        #expect(throws: SecretError(.malformedReference, reference: text, message: message)) {
            try SecretReference.parse(text)
        }
    }

    @Test func errorDescriptionIsTheMessage() {
        let error = SecretError(.notFound, reference: "secret:env:X", message: "environment variable X is not set")
        #expect(error.description == "environment variable X is not set")
        #expect("\(error)" == "environment variable X is not set")
        #expect(error.localizedDescription == "environment variable X is not set")
    }
}

// MARK: - SecretValue

@Suite("SecretValue never prints itself")
struct SecretValueTests {
    let secret = SecretValue("xoxb-canary-7f3a9c")

    @Test func descriptionAndInterpolationAreMasked() {
        #expect(secret.description == "[secret]")
        #expect(secret.debugDescription == "[secret]")
        #expect("token=\(secret)" == "token=[secret]")
        #expect(String(describing: secret) == "[secret]")
        #expect(String(reflecting: secret) == "[secret]")
        #expect("\([secret])" == "[[secret]]")
        #expect("\(Optional(secret) as Any)" == "Optional([secret])")
    }

    @Test func dumpAndMirrorAreMasked() {
        var out = ""
        dump(secret, to: &out)
        #expect(out == "- [secret]\n")

        struct Holder { var name = "pd"; var token: SecretValue }
        var nested = ""
        dump(Holder(token: secret), to: &nested)
        #expect(!nested.contains("canary"))
        #expect(nested.contains("- token: [secret]"))

        #expect(Mirror(reflecting: secret).children.isEmpty)
    }

    @Test func encodingThrows() {
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(secret) }
        struct Row: Encodable { var id = 1; var token: SecretValue }
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(Row(token: secret)) }
        #expect(throws: EncodingError.self) { try PropertyListEncoder().encode(Row(token: secret)) }
        do {
            _ = try JSONEncoder().encode(Row(token: secret))
        } catch {
            #expect(!"\(error)".contains("canary"))
            #expect(!String(reflecting: error).contains("canary"))
        }
    }

    @Test func revealAndCount() {
        #expect(secret.reveal() == "xoxb-canary-7f3a9c")
        #expect(secret.utf8Count == 18)
        #expect(SecretValue("é").utf8Count == 2)
        #expect(SecretValue("").isEmpty)
        #expect(secret == SecretValue("xoxb-canary-7f3a9c"))
        #expect(secret != SecretValue("other"))
    }
}

// MARK: - Sources

@Suite("EnvironmentSecretSource")
struct EnvironmentSecretSourceTests {
    let source = EnvironmentSecretSource(environment: ["SLACK_WEBHOOK_URL": "https://hooks.example/T1/B2/xyz", "EMPTY": ""])

    @Test func resolvesSetVariable() async throws {
        let ref = SecretReference(.env(name: "SLACK_WEBHOOK_URL"))
        #expect(source.canResolve(ref))
        #expect(try await source.resolve(ref).reveal() == "https://hooks.example/T1/B2/xyz")
    }

    @Test func missingVariableIsNotFound() async {
        await #expect(
            throws: SecretError(
                .notFound, reference: "secret:env:PD_TOKEN",
                message: "environment variable PD_TOKEN is not set; export it or change the reference")
        ) {
            try await source.resolve(SecretReference(.env(name: "PD_TOKEN")))
        }
    }

    @Test func emptyVariableIsEmpty() async {
        await #expect(
            throws: SecretError(
                .empty, reference: "secret:env:EMPTY",
                message: "environment variable EMPTY is set but empty; set it to the secret or change the reference")
        ) {
            try await source.resolve(SecretReference(.env(name: "EMPTY")))
        }
    }

    @Test func handlesOnlyEnvironmentReferences() {
        #expect(!source.canResolve(SecretReference(.file(path: "/x"))))
        #expect(!source.canResolve(SecretReference(.vault(mount: "kv", path: "a", field: "b"))))
    }

    @Test func dumpDoesNotShowTheEnvironment() {
        var out = ""
        dump(source, to: &out)
        #expect(!out.contains("hooks.example"))
        #expect(out.contains("[secret]"))
    }
}

@Suite("FileSecretSource")
struct FileSecretSourceTests {
    func resolve(_ path: String, base: String = "/") async throws -> String {
        try await FileSecretSource(baseDirectory: base).resolve(SecretReference(.file(path: path))).reveal()
    }

    @Test func privateFileIsRead() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("token", "pd-token-123\n", mode: 0o600)
        #expect(try await resolve(path) == "pd-token-123")
        try dir.write("ro", "read-only", mode: 0o400)
        #expect(try await resolve("ro", base: dir.path) == "read-only")
        #expect(try await resolve("./ro", base: dir.path + "/") == "read-only")
    }

    @Test func groupReadableFileIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("token", "pd-token-123", mode: 0o644)
        await #expect(
            throws: SecretError(
                .unsafePermissions, reference: "secret:file:\(path)",
                message: "secret file \(path) is readable by group or others (mode 0644); run chmod 600 \(path)")
        ) {
            try await resolve(path)
        }
    }

    @Test(arguments: [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o700 | 0o001])
    func anyGroupOrOtherPermissionIsRefused(_ mode: Int) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("token", "pd-token-123", mode: mode)
        let error = await #expect(throws: SecretError.self) { try await resolve(path) }
        #expect(error?.code == .unsafePermissions)
        #expect(error?.message.hasSuffix("run chmod 600 \(path)") == true)
        #expect(error?.message.contains("pd-token") == false)
    }

    static let newlineCases: [(String, String)] = [
        ("abc\n", "abc"),
        ("abc\r\n", "abc"),
        ("abc", "abc"),
        ("abc\n\n", "abc\n"),
        ("abc\r\n\r\n", "abc\r\n"),
        ("abc\r", "abc\r"),
        (" abc \t\n", " abc \t"),
        ("line1\nline2\n", "line1\nline2"),
    ]

    @Test(arguments: newlineCases)
    func exactlyOneTrailingNewlineIsRemoved(_ contents: String, _ expected: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("token", contents)
        #expect(try await resolve(path) == expected)
    }

    @Test(arguments: ["", "\n", "\r\n"])
    func fileWithOnlyANewlineIsEmpty(_ contents: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("token", contents)
        await #expect(
            throws: SecretError(
                .empty, reference: "secret:file:\(path)",
                message: "secret file \(path) is empty; write the secret into it or change the reference")
        ) {
            try await resolve(path)
        }
    }

    @Test func symlinkToPrivateFileIsFollowed() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let target = try dir.write("real", "linked-secret\n")
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/link", withDestinationPath: target)
        #expect(try await resolve("link", base: dir.path) == "linked-secret")
    }

    @Test func symlinkToGroupReadableFileIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let target = try dir.write("real", "linked-secret", mode: 0o644)
        let link = dir.path + "/link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        await #expect(
            throws: SecretError(
                .unsafePermissions, reference: "secret:file:\(link)",
                message:
                    "secret file \(link) (a symlink to \(target)) is readable by group or others (mode 0644); "
                    + "run chmod 600 \(link)")
        ) {
            try await resolve(link)
        }
    }

    @Test func directoryIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        await #expect(
            throws: SecretError(
                .unreadable, reference: "secret:file:\(dir.path)",
                message:
                    "secret file \(dir.path) is not a regular file (it is a directory); "
                    + "point the reference at a file that contains only the secret")
        ) {
            try await resolve(dir.path)
        }
    }

    @Test func missingFileIsNotFound() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = dir.path + "/nope"
        await #expect(
            throws: SecretError(
                .notFound, reference: "secret:file:nope",
                message: "secret file \(path) does not exist; create it with mode 600 or change the reference")
        ) {
            try await resolve("nope", base: dir.path)
        }
    }

    @Test func sizeIsCappedAt64KiB() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let exact = try dir.write("exact", [UInt8](repeating: UInt8(ascii: "a"), count: 65_536), mode: 0o600)
        #expect(try await resolve(exact).utf8.count == 65_536)
        let big = try dir.write("big", [UInt8](repeating: UInt8(ascii: "a"), count: 65_537), mode: 0o600)
        await #expect(
            throws: SecretError(
                .unreadable, reference: "secret:file:\(big)",
                message: "secret file \(big) is 65537 bytes, more than the 64 KiB limit; a secret file holds one value")
        ) {
            try await resolve(big)
        }
    }

    @Test func invalidUTF8IsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let path = try dir.write("bin", [0x61, 0xFF, 0xFE, 0x62], mode: 0o600)
        let error = await #expect(throws: SecretError.self) { try await resolve(path) }
        #expect(error?.code == .unreadable)
        #expect(error?.message == "secret file \(path) is not valid UTF-8 text; a secret file holds one text value")
    }

    @Test func handlesOnlyFileReferences() async {
        let source = FileSecretSource(baseDirectory: "/")
        #expect(source.canResolve(SecretReference(.file(path: "x"))))
        #expect(!source.canResolve(SecretReference(.env(name: "X"))))
        #expect(source.absolutePath(for: "a/b") == "/a/b")
        #expect(FileSecretSource(baseDirectory: "/srv/qrun").absolutePath(for: "a") == "/srv/qrun/a")
        #expect(FileSecretSource(baseDirectory: "/srv/qrun").absolutePath(for: "/etc/t") == "/etc/t")
    }
}

// MARK: - SecretResolver

@Suite("SecretResolver")
struct SecretResolverTests {
    @Test func resolvedValuesAreRegisteredWithTheRedactor() async throws {
        let resolver = SecretResolver.standard(environment: ["PD_TOKEN": "pd-u+abc/987-zz"], baseDirectory: "/")
        #expect(resolver.redactor.isEmpty)
        #expect(resolver.redactor.redact("token pd-u+abc/987-zz") == "token pd-u+abc/987-zz")

        let value = try await resolver.resolve(SecretReference(.env(name: "PD_TOKEN")))
        #expect(value.reveal() == "pd-u+abc/987-zz")
        #expect(!resolver.redactor.isEmpty)
        #expect(resolver.redactor.redact("token pd-u+abc/987-zz.") == "token [REDACTED].")
        #expect(resolver.redactor.redact("t=pd-u%2Babc%2F987-zz&x") == "t=[REDACTED]&x")
    }

    @Test func fileValuesAreRegisteredToo() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        try dir.write("pd", "file-secret-42\n")
        let redactor = Redactor()
        let resolver = SecretResolver.standard(redactor: redactor, environment: [:], baseDirectory: dir.path)
        let value = try #require(try await resolver.resolve(text: "secret:file:pd"))
        #expect(value.reveal() == "file-secret-42")
        #expect(redactor.redact("x file-secret-42 y") == "x [REDACTED] y")
    }

    @Test func resolveTextReturnsNilForOrdinaryValues() async throws {
        let resolver = SecretResolver.standard(environment: ["A": "alpha-value"])
        #expect(try await resolver.resolve(text: "just text") == nil)
        #expect(try await resolver.resolve(text: "secret:env:A")?.reveal() == "alpha-value")
        await #expect(throws: SecretError.self) { try await resolver.resolve(text: "secret:nope:A") }
    }

    @Test func vaultWithoutVaultSourceIsUnsupported() async {
        let resolver = SecretResolver.standard(environment: [:])
        await #expect(
            throws: SecretError(
                .unsupportedSource, reference: "secret:vault:kv/sre/slack#url",
                message:
                    "secret:vault references need a Vault source; configure VAULT_ADDR and a Vault token for qrun, "
                    + "or use secret:env or secret:file instead of 'secret:vault:kv/sre/slack#url'")
        ) {
            try await resolver.resolve(text: "secret:vault:kv/sre/slack#url")
        }
    }

    @Test func noSourceForEnvironmentIsUnsupported() async {
        let resolver = SecretResolver(sources: [FileSecretSource(baseDirectory: "/")])
        await #expect(
            throws: SecretError(
                .unsupportedSource, reference: "secret:env:X",
                message: "no secret source is configured for secret:env references (needed by 'secret:env:X')")
        ) {
            try await resolver.resolve(SecretReference(.env(name: "X")))
        }
    }

    @Test func failuresRegisterNothing() async {
        let resolver = SecretResolver.standard(environment: ["E": ""])
        await #expect(throws: SecretError.self) { try await resolver.resolve(text: "secret:env:E") }
        await #expect(throws: SecretError.self) { try await resolver.resolve(text: "secret:env:MISSING") }
        #expect(resolver.redactor.isEmpty)
    }

    @Test func firstCapableSourceWins() async throws {
        let resolver = SecretResolver(sources: [
            EnvironmentSecretSource(environment: ["T": "first-value"]),
            EnvironmentSecretSource(environment: ["T": "second-value"]),
        ])
        #expect(try await resolver.resolve(text: "secret:env:T")?.reveal() == "first-value")
    }
}

// MARK: - Redactor

@Suite("Redactor")
struct RedactorTests {
    static let canary = "tok~~~?>?_9f8e7d"

    func redactor(_ secrets: String...) -> Redactor {
        let r = Redactor()
        for s in secrets { r.register(rawValue: s) }
        return r
    }

    @Test func rawOccurrencesAreMasked() {
        let r = redactor(Self.canary)
        #expect(r.redact("before \(Self.canary) after") == "before [REDACTED] after")
        #expect(r.redact("\(Self.canary)\(Self.canary)x") == "[REDACTED][REDACTED]x")
        #expect(r.redact(Self.canary) == "[REDACTED]")
        #expect(r.redact("near miss tok~~~?>?_9f8e7 stays") == "near miss tok~~~?>?_9f8e7 stays")
        #expect(r.redact("") == "")
    }

    @Test func registeringSecretValueWorks() {
        let r = Redactor()
        #expect(r.isEmpty)
        r.register(SecretValue("sv-secret-value"))
        #expect(!r.isEmpty)
        #expect(r.redact("a sv-secret-value b") == "a [REDACTED] b")
    }

    @Test func emptySecretIsIgnored() {
        let r = Redactor()
        r.register(rawValue: "")
        #expect(r.isEmpty)
        #expect(r.redact("anything") == "anything")
    }

    static let jsonCanary = "Tk\"9/x\\y\nz\u{01}é"

    @Test func jsonEncoderOutputIsMasked() throws {
        let r = redactor(Self.jsonCanary)
        let plain = String(decoding: try JSONEncoder().encode(["token": Self.jsonCanary]), as: UTF8.self)
        let noSlash: String = {
            let e = JSONEncoder()
            e.outputFormatting = .withoutEscapingSlashes
            return String(decoding: try! e.encode(["token": Self.jsonCanary]), as: UTF8.self)
        }()
        // The encoders really did escape (otherwise this test would prove nothing).
        #expect(plain.contains(#"\""#) && plain.contains(#"\n"#) && plain.contains(#"\\"#) && plain.contains(#"\/"#))
        #expect(plain.contains(#"\u0001"#))
        #expect(noSlash.contains(#"9/x"#))
        #expect(r.redact(plain) == #"{"token":"[REDACTED]"}"#)
        #expect(r.redact(noSlash) == #"{"token":"[REDACTED]"}"#)
        #expect(r.redact(Value.object(["token": .string(Self.jsonCanary), "n": 1]).jsonText) == #"{"n":1,"token":"[REDACTED]"}"#)
    }

    @Test(arguments: [
        #"Tk\"9\/x\\y\nz\u0001é"#,  // escaped slash, short escapes
        #"Tk\"9/x\\y\nz\u0001é"#,  // unescaped slash
        #"Tk\"9/x\\y\u000az\u0001é"#,  // \u for every control character, lower case
        #"Tk\u00229\/x\u005Cy\u000Az\u0001é"#,  // \u upper case, even for quote and backslash
        #"Tk\"9/x\\y\nz\u0001\u00e9"#,  // ASCII-only output (Python's ensure_ascii)
    ])
    func handWrittenJSONFormsAreMasked(_ form: String) {
        let r = redactor(Self.jsonCanary)
        #expect(r.redact(#"{"token":""# + form + #"","n":1}"#) == #"{"token":"[REDACTED]","n":1}"#)
    }

    @Test func astralCharactersAsSurrogatePairsAreMasked() {
        let r = redactor("key-🔑-pässwörd")
        #expect(r.redact(#""key-\ud83d\udd11-p\u00e4ssw\u00f6rd""#) == #""[REDACTED]""#)
        #expect(r.redact(#""key-\uD83D\uDD11-pässwörd""#) == #""[REDACTED]""#)
        #expect(r.redact("x key-🔑-pässwörd y") == "x [REDACTED] y")
        #expect(r.redact("key-%F0%9F%94%91-p%C3%A4ssw%C3%B6rd") == "[REDACTED]")
    }

    static let urlCanary = "p@ss w/rd&x=1+ü~"

    @Test func urlEncodedFormsAreMasked() {
        let r = redactor(Self.urlCanary)
        let forms = [
            percentEncoded(Self.urlCanary, uppercase: true, plusForSpace: false),
            percentEncoded(Self.urlCanary, uppercase: false, plusForSpace: false),
            percentEncoded(Self.urlCanary, uppercase: true, plusForSpace: true),
            percentEncoded(Self.urlCanary, uppercase: false, plusForSpace: true),
            Self.urlCanary.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!,
            Self.urlCanary.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
        ]
        #expect(forms[0] == "p%40ss%20w%2Frd%26x%3D1%2B%C3%BC~")
        #expect(forms[1] == "p%40ss%20w%2frd%26x%3d1%2b%c3%bc~")
        #expect(forms[2] == "p%40ss+w%2Frd%26x%3D1%2B%C3%BC~")
        for form in forms {
            #expect(r.redact("https://hooks.test/in?t=\(form)&n=1") == "https://hooks.test/in?t=[REDACTED]&n=1", "\(form)")
        }
        // A space in the text does not stand for the secret's '+'.
        #expect(r.redact("p@ss w/rd&x=1 ü~") == "p@ss w/rd&x=1 ü~")
    }

    @Test func hexFormsAreMasked() {
        let r = redactor(Self.canary)
        let lower = hex(Self.canary, uppercase: false)
        let upper = hex(Self.canary, uppercase: true)
        #expect(lower == "746f6b7e7e7e3f3e3f5f396638653764")
        #expect(r.redact("sig=\(lower).") == "sig=[REDACTED].")
        #expect(r.redact("sig=\(upper).") == "sig=[REDACTED].")
        #expect(r.redact("sig=0x\(upper)") == "sig=0x[REDACTED]")
    }

    @Test func base64FormsAreMasked() {
        let r = redactor(Self.canary)
        let standard = base64(Array(Self.canary.utf8))
        #expect(standard == "dG9rfn5+Pz4/XzlmOGU3ZA==")
        let forms = [standard, unpadded(standard), urlSafe(standard), unpadded(urlSafe(standard))]
        #expect(forms[2] == "dG9rfn5-Pz4_XzlmOGU3ZA==")
        for form in forms {
            #expect(r.redact("Authorization: Bearer \(form) ok") == "Authorization: Bearer [REDACTED] ok", "\(form)")
        }
        #expect(r.redact("\"\(standard)\"") == "\"[REDACTED]\"")
    }

    @Test(arguments: [0, 1, 2], [false, true])
    func base64InsideALongerBlobIsMaskedAtEveryAlignment(_ prefixLength: Int, _ urlSafeAlphabet: Bool) {
        let r = redactor(Self.canary)
        let secret = Array(Self.canary.utf8)
        let prefix = Array("{\"".utf8).prefix(prefixLength)
        let suffix = Array("@host:443 and more".utf8)
        var blob = base64(Array(prefix) + secret + suffix)
        if urlSafeAlphabet { blob = urlSafe(blob) }
        let chars = Array(blob)

        // The characters whose bits come only from the secret.
        let first = (8 * prefixLength + 5) / 6
        let end = 8 * (prefixLength + secret.count) / 6
        let inner = String(chars[first..<end])
        #expect(inner.count >= 20)
        // At most one visible character on each side mixes secret bits with neighbouring bits.
        #expect(first <= prefixLength * 8 / 6 + 1)

        let output = r.redact("data=\(blob);")
        #expect(!output.contains(inner))
        #expect(output.contains("[REDACTED]"))
        #expect(output == "data=" + String(chars[..<first]) + "[REDACTED]" + String(chars[end...]) + ";")
    }

    @Test func basicAuthHeaderIsMasked() {
        let r = redactor("hunter2-Pass!")
        let header = base64(Array("admin:hunter2-Pass!".utf8))
        let output = r.redact("Authorization: Basic \(header)")
        #expect(output == "Authorization: Basic YWRtaW46[REDACTED]")
    }

    @Test func longestAndOverlappingMatchesAreMaskedTogether() {
        let r = redactor("abcd1234", "abcd1234efgh5678", "5678wxyz")
        #expect(r.redact("x abcd1234efgh5678 y") == "x [REDACTED] y")
        #expect(r.redact("x abcd1234efgh5678wxyz y") == "x [REDACTED] y")
        #expect(r.redact("x abcd1234 y") == "x [REDACTED] y")
    }

    @Test func percentAndBackslashInSecretsAreHandled() {
        let r = redactor("100%pure\\gold")
        #expect(r.redact("a 100%pure\\gold b") == "a [REDACTED] b")
        #expect(r.redact("a 100%25pure%5Cgold b") == "a [REDACTED] b")
        #expect(r.redact(#"{"v":"100%pure\\gold"}"#) == #"{"v":"[REDACTED]"}"#)
        #expect(r.redact(#"{"v":"100%pure\u005cgold"}"#) == #"{"v":"[REDACTED]"}"#)
        #expect(r.redact("100%pure gold") == "100%pure gold")
    }

    @Test func shortSecretsAreMaskedOnlyAsWholeTokens() {
        let r = redactor("123")
        #expect(
            r.redact(#"pin=123 port 8123 id=1234 {"p":"123"} 123"#)
                == #"pin=[REDACTED] port 8123 id=1234 {"p":"[REDACTED]"} [REDACTED]"#)
        // Its encoded forms follow the same rule.
        #expect(r.redact("h=313233 b=MTIz x=MTIzNDU") == "h=[REDACTED] b=[REDACTED] x=MTIzNDU")
    }

    @Test func fourByteSecretsAreMaskedEvenInsideWords() {
        let r = redactor("test")
        #expect(r.redact("testing a test") == "[REDACTED]ing a [REDACTED]")
    }

    @Test func valuesAreRedactedRecursivelyIncludingKeys() {
        let r = redactor("s3cr3t-value", "987654")
        let input: Value = [
            "url": "https://x.test/?k=s3cr3t-value",
            "list": ["a", "s3cr3t-value", 1, 987_654, true, nil, 2.5],
            "s3cr3t-value": "key-holder",
            "n": 987_654,
            "nested": ["deep": ["x": "pre-s3cr3t-value-post"]],
            "k-s3cr3t-value": 1,
            "k-987654": 2,
        ]
        let expected: Value = [
            "url": "https://x.test/?k=[REDACTED]",
            "list": ["a", "[REDACTED]", 1, "[REDACTED]", true, nil, 2.5],
            "[REDACTED]": "key-holder",
            "n": "[REDACTED]",
            "nested": ["deep": ["x": "pre-[REDACTED]-post"]],
            "k-[REDACTED]": 2,
            "k-[REDACTED]#2": 1,
        ]
        #expect(r.redact(input) == expected)
        #expect(Redactor().redact(input) == input)
    }

    @Test func binaryDataIsRedactedByteForByte() {
        let r = redactor(Self.canary)
        let head: [UInt8] = [0x00, 0xFF, 0xFE, 0x80, 0xC3]
        let tail: [UInt8] = [0xC3, 0x28, 0x00, 0x01, 0xFF]
        let data = Data(head + Array(Self.canary.utf8) + tail)
        #expect(r.redact(data) == Data(head + Array("[REDACTED]".utf8) + tail))

        let encoded = Data(head + Array(base64(Array(Self.canary.utf8)).utf8) + tail)
        #expect(r.redact(encoded) == Data(head + Array("[REDACTED]".utf8) + tail))

        let untouched = Data([0xFF, 0x00, 0xC3, 0x28, 0x74, 0x6F, 0x6B])
        #expect(r.redact(untouched) == untouched)
    }

    @Test func concurrentRegistrationAndRedaction() async {
        let r = Redactor()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<64 {
                group.addTask {
                    r.register(rawValue: "concurrent-secret-\(i)-end")
                    _ = r.redact("noise concurrent-secret-\(i)-end noise")
                }
            }
        }
        for i in 0..<64 {
            #expect(r.redact("a concurrent-secret-\(i)-end b") == "a [REDACTED] b")
        }
    }

    @Test func largeInputWithManySecrets() {
        let r = Redactor()
        let secrets = (0..<20).map { "tok\($0)_" + String(repeating: "k\($0)x", count: 8) }
        for s in secrets { r.register(rawValue: s) }
        var text = ""
        var line = 0
        while text.utf8.count < 64 * 1024 {
            line += 1
            text += "line \(line) https:\\/\\/x.test\\/a?b=%20c+d \(line % 7 == 0 ? secrets[line % 20] : "ok")\n"
        }
        let out = r.redact(text)
        for s in secrets { #expect(!out.contains(s)) }
        #expect(out.components(separatedBy: "[REDACTED]").count - 1 == text.components(separatedBy: "tok").count - 1)
    }
}
